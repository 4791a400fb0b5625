// Four Java threads (swrr's runtime suite, Tests/SwrrRuntimeTests): each sums a range and adds to
// a total under a synchronized block, appending its name to a shared list when done; the list's
// order depends on the schedule, the time and the random numbers on the moment. A replay must
// print all of it again, byte for byte.
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

public class Threads {
    private static final Object lock = new Object();
    private static long total = 0;
    private static final List<String> finished = new ArrayList<>();

    public static void main(String[] args) throws InterruptedException {
        System.out.println("now: " + System.currentTimeMillis() + " nano " + System.nanoTime());
        System.out.println("random: " + new Random().nextLong() + " " + Math.random());
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            final int id = t;
            threads[t] = new Thread(() -> {
                long sum = 0;
                for (int i = 0; i < 2_000_000; i++) {
                    sum += (i ^ id) % 13;
                }
                synchronized (lock) {
                    total += sum;
                    finished.add("worker-" + id);
                }
            }, "worker-" + id);
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        System.out.println("total: " + total);
        System.out.println("finishing order: " + finished);
    }
}
