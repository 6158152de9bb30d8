import java.lang.reflect.*;
/** One RLS readout update and one prediction at F features (reflection: the class is package-private). */
public class RlsUpdateCost {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        Class<?> c = Class.forName("io.spikestream.plasticity.readout.RecursiveLeastSquares");
        Constructor<?> k = c.getDeclaredConstructor(int.class, int.class, double.class, double.class);
        k.setAccessible(true);
        Object r = k.newInstance(n, 10, 100.0, 1.0);
        Method up = c.getDeclaredMethod("update", double[].class, int.class);
        up.setAccessible(true);
        Method sc = c.getDeclaredMethod("scores", double[].class, double[].class);
        sc.setAccessible(true);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        double[] x = new double[n];
        double[] out = new double[10];
        for (int rep = 0; rep < 3; rep++) {
            int m = 200;
            long t0 = System.nanoTime();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) x[j] = rng.nextDouble();
                up.invoke(r, x, i % 10);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < 10 * m; i++) sc.invoke(r, x, out);
            long t2 = System.nanoTime();
            System.out.printf("F=%d update_ms=%.3f scores_us=%.2f%n", n, (t1 - t0) / 1e6 / m, (t2 - t1) / 1e3 / (10 * m));
        }
    }
}
