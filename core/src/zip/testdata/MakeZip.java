import java.io.*;
import java.util.zip.*;
import java.nio.charset.StandardCharsets;

// Writes a MOJO-like archive the way h2o's AbstractMojoWriter does: ZipOutputStream, deflate,
// data descriptors (flag bit 3), plus one stored entry and one directory entry.
public class MakeZip {
    public static void main(String[] args) throws Exception {
        try (ZipOutputStream zos = new ZipOutputStream(new FileOutputStream(args[0]))) {
            put(zos, "model.ini", "[info]\nh2o_version = 3.46.0.9\nmojo_version = 1.40\nalgo = gbm\nn_trees = 2\n\n[columns]\nx\ny\n\n[domains]\n1: 2 d000.txt\n".getBytes(StandardCharsets.UTF_8));
            put(zos, "domains/d000.txt", "NO\nYES\n".getBytes(StandardCharsets.UTF_8));
            zos.putNextEntry(new ZipEntry("experimental/"));
            zos.closeEntry();
            byte[] tree = new byte[3000];
            java.util.Random r = new java.util.Random(42);
            for (int i = 0; i < tree.length; i++) tree[i] = (byte) (r.nextInt(16));
            put(zos, "trees/t00_000.bin", tree);
            put(zos, "trees/t00_001.bin", new byte[0]);
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 8000; i++) big.append(i * 7919 % 10007).append(i % 3 == 0 ? '\n' : ',');
            put(zos, "experimental/modelDetails.json", big.toString().getBytes(StandardCharsets.UTF_8));
            byte[] stored = "stored entry, written with STORED\n".getBytes(StandardCharsets.UTF_8);
            ZipEntry e = new ZipEntry("stored.txt");
            e.setMethod(ZipEntry.STORED);
            e.setSize(stored.length);
            e.setCompressedSize(stored.length);
            CRC32 crc = new CRC32(); crc.update(stored); e.setCrc(crc.getValue());
            zos.putNextEntry(e); zos.write(stored); zos.closeEntry();
            put(zos, "unicode/\u00e9t\u00e9.txt", "\u00e9t\u00e9\n".getBytes(StandardCharsets.UTF_8));
        }
    }
    static void put(ZipOutputStream zos, String name, byte[] data) throws IOException {
        zos.putNextEntry(new ZipEntry(name));
        zos.write(data);
        zos.closeEntry();
    }
}
