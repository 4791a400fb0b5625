// Eight goroutines hashing (GoRuntimeTests.testGoBuildThenTheBuiltProgram: recorded with the
// `go build` that makes it, each goroutine computing long enough to be preempted at positions).
package main

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	res := make([]byte, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := sha256.Sum256([]byte(fmt.Sprint(i)))
			for j := 0; j < 100000; j++ {
				h = sha256.Sum256(h[:])
			}
			res[i] = h[0]
		}(i)
	}
	wg.Wait()
	fmt.Println(res)
}
