// Goroutines, channels and a mutex (swrr's runtime suite, Tests/SwrrRuntimeTests). Eight workers
// take jobs from a channel, add to a total under a sync.Mutex and send results back; the order
// in which they finish depends on the schedule, and the time and the random seed on the moment:
// a replay must print all of it again, byte for byte.
package main

import (
	"fmt"
	"math/rand"
	"os"
	"sync"
	"time"
)

func main() {
	start := time.Now()
	rng := rand.New(rand.NewSource(start.UnixNano()))
	fmt.Println("now:", start.Format(time.RFC3339Nano))
	fmt.Println("random:", rng.Int63(), rand.Intn(1000000))

	jobs := make(chan int)
	done := make(chan [2]int)
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for n := range jobs {
				sum := 0
				for i := 0; i <= n*1000; i++ {
					sum += i % 7
				}
				mu.Lock()
				total += sum
				mu.Unlock()
				done <- [2]int{worker, n}
			}
		}(w)
	}
	go func() {
		for n := 0; n < 64; n++ {
			jobs <- n
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(done)
	}()
	order := make([]int, 0, 64)
	for r := range done {
		order = append(order, r[0])
	}
	fmt.Println("jobs:", len(order), "total:", total)
	fmt.Println("workers in finishing order:", order)
	fmt.Println("elapsed:", time.Since(start) > 0, "pid:", os.Getpid() > 0)
}
