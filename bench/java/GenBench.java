// In-process throughput of h2o-genmodel on one thread: EasyPredictModelWrapper.predict(RowData)
// (what applications call) and raw GenModel.score0(double[], double[]) (the engine alone).
//
//   java -cp <genmodel.jar>:<classes> GenBench MOJO INPUT.csv WARMUP_S ROUNDS ROUND_S [contrib]
//
// Rows are the input CSV's rows, all distinct, cycled in order, converted once before timing
// (RowData holds Doubles for numeric columns and Strings for categorical ones, as a caller
// that already parsed its data would pass them). Warm-up runs both paths for WARMUP_S seconds
// so HotSpot's C2 compiles them; then ROUNDS timed rounds of ROUND_S seconds each. Prints one
// JSON line: {"model":..,"rows":..,"easy":[rows/s per round],"score0":[rows/s per round]}.
//
// With `contrib` it times Shapley contributions instead (binomial/regression GBM, DRF,
// XGBoost): "easy" is EasyPredictModelWrapper.predictContributions(RowData) with
// enableContributions, "score0" the model's PredictContributions.calculateContributions(
// double[]) on the converted rows (TreeSHAP alone). The model is loaded with metadata, which
// DRF contributions need.
import hex.genmodel.GenModel;
import hex.genmodel.MojoModel;
import hex.genmodel.PredictContributions;
import hex.genmodel.PredictContributionsFactory;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.prediction.AbstractPrediction;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class GenBench {
    static double sink;

    /** RFC 4180 fields of one line (no embedded newlines in our inputs). */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (q) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') { cur.append('"'); i++; }
                    else q = false;
                } else cur.append(c);
            } else if (c == '"') q = true;
            else if (c == ',') { out.add(cur.toString()); cur.setLength(0); }
            else cur.append(c);
        }
        out.add(cur.toString());
        return out;
    }

    static boolean isNa(String s) {
        return s.isEmpty() || s.equals("NA") || s.equals("N/A") || s.equals("-");
    }

    static double parseOrNaN(String s) {
        try { return Double.parseDouble(s); } catch (NumberFormatException e) { return Double.NaN; }
    }

    public static void main(String[] a) throws Exception {
        String mojo = a[0];
        List<String> lines = Files.readAllLines(Paths.get(a[1]));
        double warmup = Double.parseDouble(a[2]);
        int rounds = Integer.parseInt(a[3]);
        double roundS = Double.parseDouble(a[4]);
        boolean contrib = a.length > 5 && a[5].equals("contrib");

        MojoModel model = contrib ? MojoModel.load(mojo, true) : MojoModel.load(mojo);
        EasyPredictModelWrapper w = new EasyPredictModelWrapper(
                new EasyPredictModelWrapper.Config().setModel(model)
                        .setConvertUnknownCategoricalLevelsToNa(true)
                        .setConvertInvalidNumbersToNa(true)
                        .setEnableContributions(contrib));
        PredictContributions pc = contrib
                ? ((PredictContributionsFactory) model).makeContributionsPredictor() : null;

        List<String> header = fields(lines.get(0));
        Map<String, Integer> pos = new HashMap<>();
        for (int i = 0; i < header.size(); i++) pos.put(header.get(i), i);
        String[] names = model.getNames();
        int nf = model.nfeatures();
        int n = lines.size() - 1;
        RowData[] rows = new RowData[n];
        double[][] raw = new double[n][];
        for (int r = 0; r < n; r++) {
            List<String> f = fields(lines.get(r + 1));
            RowData rd = new RowData();
            double[] x = new double[nf];
            for (int c = 0; c < nf; c++) {
                Integer p = pos.get(names[c]);
                String s = p == null || p >= f.size() ? "" : f.get(p);
                String[] dom = model.getDomainValues(c);
                if (isNa(s)) { x[c] = Double.NaN; continue; }
                if (dom == null) {
                    double d = parseOrNaN(s);
                    rd.put(names[c], d);
                    x[c] = d;
                } else {
                    rd.put(names[c], s);
                    int idx = -1;
                    for (int k = 0; k < dom.length; k++) if (dom[k].equals(s)) { idx = k; break; }
                    x[c] = idx < 0 ? Double.NaN : idx;
                }
            }
            rows[r] = rd;
            raw[r] = x;
        }
        // GLRM scores its k coordinates: getPredsSize(category) is k, getPredsSize() is not.
        double[] preds = new double[Math.max(model.getPredsSize(),
                model.getPredsSize(model.getModelCategory()))];
        if (contrib) {
            // A separate loop, so that the scoring loops below stay as they were measured.
            contribBench(mojo, n, warmup, rounds, roundS, w, rows, pc, raw);
            return;
        }

        long end = System.nanoTime() + (long) (warmup * 1e9);
        while (System.nanoTime() < end) {
            for (int r = 0; r < n; r++) sink += score(w, rows[r]);
            for (int r = 0; r < n; r++) sink += model.score0(raw[r], preds)[0];
        }
        StringBuilder easy = new StringBuilder(), s0 = new StringBuilder();
        for (int k = 0; k < rounds; k++) {
            easy.append(k == 0 ? "" : ",").append(timed(() -> {
                long c = 0;
                long stop = System.nanoTime() + (long) (roundS * 1e9);
                while (System.nanoTime() < stop) {
                    for (int r = 0; r < n; r++) sink += score(w, rows[r]);
                    c += n;
                }
                return c;
            }));
            s0.append(k == 0 ? "" : ",").append(timed(() -> {
                long c = 0;
                long stop = System.nanoTime() + (long) (roundS * 1e9);
                while (System.nanoTime() < stop) {
                    for (int r = 0; r < n; r++) sink += model.score0(raw[r], preds)[0];
                    c += n;
                }
                return c;
            }));
        }
        System.out.println("{\"model\":\"" + Paths.get(mojo).getFileName() + "\",\"rows\":" + n
                + ",\"easy\":[" + easy + "],\"score0\":[" + s0 + "],\"sink\":" + (sink == 1.2345 ? 1 : 0) + "}");
    }

    interface Loop { long run() throws Exception; }

    static void contribBench(String mojo, int n, double warmup, int rounds, double roundS,
            EasyPredictModelWrapper w, RowData[] rows, PredictContributions pc, double[][] raw)
            throws Exception {
        long end = System.nanoTime() + (long) (warmup * 1e9);
        while (System.nanoTime() < end) {
            for (int r = 0; r < n; r++) sink += w.predictContributions(rows[r])[0];
            for (int r = 0; r < n; r++) sink += pc.calculateContributions(raw[r])[0];
        }
        StringBuilder easy = new StringBuilder(), direct = new StringBuilder();
        for (int k = 0; k < rounds; k++) {
            easy.append(k == 0 ? "" : ",").append(timed(() -> {
                long c = 0;
                long stop = System.nanoTime() + (long) (roundS * 1e9);
                while (System.nanoTime() < stop) {
                    for (int r = 0; r < n; r++) sink += w.predictContributions(rows[r])[0];
                    c += n;
                }
                return c;
            }));
            direct.append(k == 0 ? "" : ",").append(timed(() -> {
                long c = 0;
                long stop = System.nanoTime() + (long) (roundS * 1e9);
                while (System.nanoTime() < stop) {
                    for (int r = 0; r < n; r++) sink += pc.calculateContributions(raw[r])[0];
                    c += n;
                }
                return c;
            }));
        }
        System.out.println("{\"model\":\"" + Paths.get(mojo).getFileName() + "\",\"rows\":" + n
                + ",\"mode\":\"contrib\",\"easy\":[" + easy + "],\"score0\":[" + direct
                + "],\"sink\":" + (sink == 1.2345 ? 1 : 0) + "}");
    }

    static double timed(Loop l) throws Exception {
        long t0 = System.nanoTime();
        long rows = l.run();
        return Math.round(rows / ((System.nanoTime() - t0) / 1e9));
    }

    static double score(EasyPredictModelWrapper w, RowData row) throws Exception {
        AbstractPrediction p = w.predict(row);
        return p.hashCode();
    }
}
