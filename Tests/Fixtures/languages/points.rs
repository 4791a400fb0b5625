// The lead's Rust probe (briefs/langprobe/r.rs) with a &str and a closure: a program whose frames,
// locals and symbols the Rust tests check (rustc -g, see LanguageToolchain.rust).
#[derive(Debug)]
struct Point { x: i64, y: i64 }
fn scale(p: &Point, k: i64) -> Point {
    let q = Point { x: p.x * k, y: p.y * k }; // MARK:rust-scale
    q
}
fn main() {
    let v: Vec<i64> = (1..5).collect();
    let p = Point { x: 3, y: 4 };
    let s = scale(&p, 2); // MARK:rust-call
    let name = String::from("swrr");
    let word: &str = &name[1..3];
    let total = v.iter().map(|e| e * s.x).sum::<i64>(); // MARK:rust-total
    let some: Option<i64> = v.first().copied();
    let nothing: Option<&str> = None;
    let outcome: Result<u8, String> = Err(String::from("bad"));
    let pair = (1u8, word, 2.5f32);
    let grid = [[1u16, 2], [3, 4]];
    println!("{:?} {:?} {} {} {} {:?} {:?} {:?} {:?} {:?}", v, s, name, word, total, some, nothing, outcome, pair, grid); // MARK:rust-print
}
