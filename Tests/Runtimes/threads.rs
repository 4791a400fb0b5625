// Threads, a mutex and a channel (swrr's runtime suite, Tests/SwrrRuntimeTests): four threads sum
// ranges, add to a total under a Mutex and report on a channel in the order they finish (which
// depends on the schedule); the time and a randomly keyed hash (std's RandomState reads
// getrandom) too. A replay must print all of it again, byte for byte.
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let start = Instant::now();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("time after 1970");
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(42);
    println!("now: {}.{:09} random: {:016x}", now.as_secs(), now.subsec_nanos(), hasher.finish());

    let total = Arc::new(Mutex::new(0u64));
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = (0..4u64)
        .map(|id| {
            let total = Arc::clone(&total);
            let tx = tx.clone();
            thread::spawn(move || {
                let sum: u64 = (0..(id + 1) * 500_000).map(|i| (i ^ id) % 13).sum();
                *total.lock().expect("lock") += sum;
                tx.send(id).expect("send");
            })
        })
        .collect();
    drop(tx);
    let order: Vec<u64> = rx.iter().collect();
    for h in handles {
        h.join().expect("join");
    }
    println!("total: {} order: {:?}", *total.lock().expect("lock"), order);
    println!("elapsed: {}", start.elapsed().as_nanos() > 0);
}
