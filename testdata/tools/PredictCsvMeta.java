import hex.genmodel.MojoModel;
import hex.genmodel.tools.PredictCsv;

/**
 * PredictCsv over a MOJO loaded WITH its metadata (experimental/modelDetails.json).
 *
 * PredictCsv loads MOJOs without metadata, so DRF contributions (which need the model's
 * variable importances) fail there with an NPE. This runs the very same PredictCsv code
 * (CSV parsing, row conversion, output format) on a model loaded by
 * MojoModel.load(path, true).
 *
 * Usage (JDK 11+ source-file mode, no build step):
 *   java -cp testdata/.cache/h2o-genmodel.jar testdata/tools/PredictCsvMeta.java \
 *       --mojo MODEL.zip --input IN.csv --output OUT.csv [PredictCsv flags...]
 */
public class PredictCsvMeta {
    public static void main(String[] args) throws Exception {
        String mojo = null;
        java.util.List<String> rest = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--mojo") && i + 1 < args.length) {
                mojo = args[++i];
            } else {
                rest.add(args[i]);
            }
        }
        if (mojo == null) {
            System.err.println("usage: PredictCsvMeta --mojo MODEL --input IN --output OUT [flags]");
            System.exit(2);
        }
        MojoModel model = MojoModel.load(mojo, true);
        // `--embedded` tells PredictCsv not to load a model of its own.
        rest.add("--embedded");
        PredictCsv.make(rest.toArray(new String[0]), model).run();
    }
}
