import au.com.bytecode.opencsv.CSVReader;
import hex.genmodel.MojoModel;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;

import java.io.BufferedWriter;
import java.io.FileReader;
import java.io.FileWriter;

/**
 * Scores an Uplift DRF MOJO the way PredictCsv scores the model categories it knows.
 *
 * PredictCsv has no branch for ModelCategory.BinomialUplift ("Unknown model category"), so
 * this reads the input as PredictCsv does (opencsv with a header row; "", "NA", "N/A" and
 * "-" left out of the row), converts and scores each row with genmodel's own
 * EasyPredictModelWrapper.predictUpliftBinomial (unknown levels as NA, and invalid numbers
 * as NA with --setConvertInvalidNum, as PredictCsv configures it), and writes the header of
 * GenModel.getOutputNames and each value as Double.toHexString (NaN as NA), as PredictCsv
 * writes its default output.
 *
 * Usage (JDK 11+ source-file mode, no build step):
 *   java -cp testdata/.cache/h2o-genmodel.jar testdata/tools/PredictUplift.java \
 *       --mojo MODEL.zip --input IN.csv --output OUT.csv [--setConvertInvalidNum]
 */
public class PredictUplift {
    public static void main(String[] args) throws Exception {
        String mojo = null, input = null, output = null;
        boolean invalidAsNa = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mojo": mojo = args[++i]; break;
                case "--input": input = args[++i]; break;
                case "--output": output = args[++i]; break;
                case "--setConvertInvalidNum": invalidAsNa = true; break;
                default:
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
            }
        }
        if (mojo == null || input == null || output == null) {
            System.err.println("usage: PredictUplift --mojo MODEL --input IN --output OUT [--setConvertInvalidNum]");
            System.exit(2);
        }
        EasyPredictModelWrapper model = new EasyPredictModelWrapper(new EasyPredictModelWrapper.Config()
                .setModel(MojoModel.load(mojo))
                .setConvertUnknownCategoricalLevelsToNa(true)
                .setConvertInvalidNumbersToNa(invalidAsNa));
        try (CSVReader reader = new CSVReader(new FileReader(input));
             BufferedWriter out = new BufferedWriter(new FileWriter(output))) {
            String[] names = reader.readNext();
            if (names == null) {
                throw new IllegalArgumentException("the input is empty");
            }
            out.write(String.join(",", model.m.getOutputNames()));
            out.write("\n");
            int line = 1;
            for (String[] cells; (cells = reader.readNext()) != null; ) {
                line++;
                RowData row = new RowData();
                for (int i = 0; i < Math.min(names.length, cells.length); i++) {
                    String cell = cells[i];
                    if (!(cell.isEmpty() || cell.equals("NA") || cell.equals("N/A") || cell.equals("-"))) {
                        row.put(names[i], cell);
                    }
                }
                double[] preds;
                try {
                    preds = model.predictUpliftBinomial(row).predictions;
                } catch (Exception e) {
                    throw new Exception("Prediction failed on line " + line, e);
                }
                for (int i = 0; i < preds.length; i++) {
                    if (i > 0) {
                        out.write(",");
                    }
                    out.write(Double.isNaN(preds[i]) ? "NA" : Double.toHexString(preds[i]));
                }
                out.write("\n");
            }
        }
    }
}
