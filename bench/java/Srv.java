// A lean SageMaker-style server around h2o-genmodel, the Java side of the /invocations and
// cold-start benchmarks: the JDK's com.sun.net.httpserver.HttpServer with a fixed thread pool,
// run with -Dsun.net.httpserver.nodelay=true (TCP_NODELAY; without it Nagle adds ~40 ms).
//
//   java -Dsun.net.httpserver.nodelay=true -cp <genmodel.jar>:<classes> Srv MOJO PORT THREADS
//
// Loads the MOJO, then binds; GET /ping answers 200 (so the first 200 means "model loaded").
// POST /invocations takes header-less CSV rows in the model's column order (what the Rust
// server accepts as text/csv) and answers one CSV line per row with the prediction's numbers
// (class probabilities, or the regression value), as Double.toString writes them.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import hex.genmodel.MojoModel;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.prediction.AbstractPrediction;
import hex.genmodel.easy.prediction.BinomialModelPrediction;
import hex.genmodel.easy.prediction.MultinomialModelPrediction;
import hex.genmodel.easy.prediction.RegressionModelPrediction;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

public class Srv {
    public static void main(String[] a) throws Exception {
        MojoModel model = MojoModel.load(a[0]);
        int port = Integer.parseInt(a[1]);
        int threads = Integer.parseInt(a[2]);
        EasyPredictModelWrapper w = new EasyPredictModelWrapper(
                new EasyPredictModelWrapper.Config().setModel(model)
                        .setConvertUnknownCategoricalLevelsToNa(true));
        String[] names = model.getNames();
        int nf = model.nfeatures();
        boolean[] numeric = new boolean[nf];
        for (int c = 0; c < nf; c++) numeric[c] = model.getDomainValues(c) == null;

        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        s.setExecutor(Executors.newFixedThreadPool(threads));
        s.createContext("/ping", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        s.createContext("/invocations", ex -> {
            byte[] out;
            int status = 200;
            try {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                StringBuilder sb = new StringBuilder();
                for (String line : body.split("\n")) {
                    if (line.isEmpty()) continue;
                    String[] f = line.split(",", -1);
                    RowData row = new RowData();
                    for (int c = 0; c < nf && c < f.length; c++) {
                        String v = f[c].trim();
                        if (v.isEmpty() || v.equals("NA")) continue;
                        row.put(names[c], numeric[c] ? (Object) Double.parseDouble(v) : v);
                    }
                    AbstractPrediction p = w.predict(row);
                    double[] nums;
                    if (p instanceof BinomialModelPrediction) nums = ((BinomialModelPrediction) p).classProbabilities;
                    else if (p instanceof MultinomialModelPrediction) nums = ((MultinomialModelPrediction) p).classProbabilities;
                    else if (p instanceof RegressionModelPrediction) nums = new double[]{((RegressionModelPrediction) p).value};
                    else nums = new double[0];
                    for (int i = 0; i < nums.length; i++) sb.append(i == 0 ? "" : ",").append(nums[i]);
                    sb.append('\n');
                }
                out = sb.toString().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/csv");
            } catch (Exception e) {
                status = 400;
                out = ("{\"error\":\"" + e + "\"}").getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(status, out.length);
            try (OutputStream os = ex.getResponseBody()) { os.write(out); }
        });
        s.start();
    }
}
