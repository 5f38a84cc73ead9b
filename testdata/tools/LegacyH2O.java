import javassist.CannotCompileException;
import javassist.ClassPool;
import javassist.CtClass;
import javassist.LoaderClassPath;
import javassist.expr.ExprEditor;
import javassist.expr.MethodCall;

/**
 * Starts an H2O release from before 3.22 on Java 11, for generate_releases.py.
 *
 * <p>Those releases accept Java 1.6 to 1.8 only, which no registry here has. Two things stop
 * them on Java 11, and both are start-up bookkeeping, not modelling: the version check reads
 * the {@code java.version} property, and {@code water.H2O.main} logs the boot class path,
 * which Java 9 and later no longer have ({@code RuntimeMXBean.getBootClassPath} throws).
 * This sets the property and, with the javassist that h2o.jar bundles for its own weaving,
 * defines {@code water.H2O} without that one call before starting {@code water.H2OApp}.
 *
 * <p>Compiled by the system's javac ({@code --release 11}) against the release's h2o.jar;
 * run as {@code java -cp h2o.jar:DIR LegacyH2O <H2O's arguments>}.
 */
public final class LegacyH2O {
    public static void main(String[] args) throws Exception {
        System.setProperty("java.version", "1.8.0");
        ClassPool pool = ClassPool.getDefault();
        // The default pool searches the boot class path only.
        pool.appendClassPath(new LoaderClassPath(LegacyH2O.class.getClassLoader()));
        CtClass h2o = pool.get("water.H2O");
        h2o.instrument(new ExprEditor() {
            @Override
            public void edit(MethodCall call) throws CannotCompileException {
                if (call.getMethodName().equals("getBootClassPath")) {
                    call.replace("$_ = \"\";");
                }
            }
        });
        h2o.toClass();
        Class.forName("water.H2OApp").getMethod("main", String[].class).invoke(null, (Object) args);
    }
}
