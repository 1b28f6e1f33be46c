//! Instructions per operation of the library, counted by callgrind.
//!
//! `cargo run --release -p tencent-cos-core-bench --bin instructions [CASE...]`
//! prints, for each case (all by default), the instructions per operation
//! in all, in the SHA-1 compression function and beyond it. It runs itself
//! under `valgrind --tool=callgrind` as `instructions run CASE N`, with
//! `N = 0` and `N = 2000`, and takes the difference. Build with
//! `RUSTFLAGS="--cfg cos_compact"` (and a target dir of its own) to count
//! the compact form.

use tencent_cos_core_bench::instructions::{CASES, count, run};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, case, n] = args.as_slice()
        && mode == "run"
    {
        run(case, n.parse().expect("N"));
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let cases: Vec<&str> = if args.is_empty() {
        CASES.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    println!(
        "{:<10} {:>10} {:>12} {:>10}",
        "case", "total", "compressions", "beyond"
    );
    for case in cases {
        match count(&exe, case, 2000) {
            Some(c) => println!(
                "{case:<10} {:>10} {:>12} {:>10}",
                c.total,
                c.compressions,
                c.beyond()
            ),
            None => {
                eprintln!("{case}: valgrind and callgrind_annotate are needed");
                std::process::exit(1);
            }
        }
    }
}
