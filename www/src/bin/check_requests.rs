//! `check-requests FILE|DIR…`: judges the sandbox's request logs (`sandbox --request-log FILE`)
//! against the allow-list of `sandbox::documented`, under the strict readings. Prints one line
//! per undocumented parameter or body key, with the endpoint and the count; exits 1 when there
//! is any, 2 when there is nothing to check.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("check-requests FILE|DIR… (every *.jsonl of a directory)");
        return ExitCode::SUCCESS;
    }
    let (text, code) = sandbox::conformance::run(&args);
    if code == 0 {
        print!("{text}");
    } else {
        eprint!("{text}");
    }
    ExitCode::from(code)
}
