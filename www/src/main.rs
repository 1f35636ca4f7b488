//! `sandbox` binary: runs both fake services until killed, for the demo and the browser tests.
//!
//! ```text
//! sandbox [--smartbill-port N] [--minicrm-port N] [--host 127.0.0.1] [--no-seed]
//! ```
//! Prints one JSON line with the URLs and the seeded credentials on stdout when ready.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut config = sandbox::Config {
        seed: true,
        ..Default::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut port = |name: &str| -> Result<u16, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a port number"))
        };
        let parsed = match arg.as_str() {
            "--smartbill-port" => port("--smartbill-port").map(|p| config.smartbill_port = p),
            "--minicrm-port" => port("--minicrm-port").map(|p| config.minicrm_port = p),
            "--host" => args
                .next()
                .map(|h| config.host = Some(h))
                .ok_or_else(|| "--host needs a value".into()),
            "--no-seed" => {
                config.seed = false;
                Ok(())
            }
            "-h" | "--help" => {
                println!("sandbox [--smartbill-port N] [--minicrm-port N] [--host 127.0.0.1] [--no-seed]");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument {other}")),
        };
        if let Err(e) = parsed {
            eprintln!("sandbox: {e}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match sandbox::start(config).await {
            Ok(sb) => {
                let info = {
                    let w = sb.state.lock();
                    sandbox::seed::info(&w.urls)
                };
                println!("{info}");
                let _ = tokio::signal::ctrl_c().await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sandbox: cannot listen: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
