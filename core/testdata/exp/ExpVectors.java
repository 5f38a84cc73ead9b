import java.io.*;

/** Reads doubles (hex bit patterns, one per line) and prints Math.exp of each the same way. */
public class ExpVectors {
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    StringBuilder out = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      double x = Double.longBitsToDouble(Long.parseUnsignedLong(line.trim(), 16));
      out.append(Long.toHexString(Double.doubleToRawLongBits(Math.exp(x)))).append('\n');
    }
    System.out.print(out);
  }
}
