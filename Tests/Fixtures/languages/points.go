// The lead's Go probe (briefs/langprobe/main.go): locals of main.main at -N -l (see
// LanguageToolchain.go).
package main

import "fmt"

type Point struct{ X, Y int }

func scale(p Point, k int) Point {
	q := Point{p.X * k, p.Y * k}
	return q
}

func main() {
	s := []int{1, 2, 3}
	m := map[string]int{"a": 1}
	var none map[int]bool
	squares := map[int]int{}
	for i := 0; i < 20; i++ {
		squares[i] = i * i
	}
	name := "swrr"
	p := scale(Point{3, 4}, 2) // MARK:go-scale
	fmt.Println(s, m, name, p, none, len(squares)) // MARK:go-print
}
