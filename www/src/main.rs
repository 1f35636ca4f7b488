//! `sandbox` binary: runs both fake services until killed, for the demo and the browser tests.
//!
//! ```text
//! sandbox [--smartbill-port N] [--minicrm-port N] [--host 127.0.0.1] [--no-seed]
//!         [--readings strict|lenient|<key>[=strict|lenient],…] [--shape default|typeIds]
//!         [--request-log FILE]
//! ```
//! The environment gives the same for a whole run (a flag wins): `SANDBOX_READINGS`,
//! `SANDBOX_SHAPE`, `SANDBOX_REQUEST_LOG`. Readings default to `strict` (see
//! `sandbox::documented::READINGS`), the shape to `default`.
//! Prints one JSON line with the URLs, the seeded credentials, the shape and the readings on
//! stdout when ready.

use std::process::ExitCode;

const USAGE: &str = "sandbox [--smartbill-port N] [--minicrm-port N] [--host 127.0.0.1] [--no-seed] \
[--readings strict|lenient|<key>[=strict|lenient],...] [--shape default|typeIds] [--request-log FILE]\n\
environment: SANDBOX_READINGS, SANDBOX_SHAPE, SANDBOX_REQUEST_LOG (a flag wins)";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_args(config: &mut sandbox::Config) -> Result<bool, String> {
    let mut readings = env("SANDBOX_READINGS");
    let mut shape = env("SANDBOX_SHAPE");
    let mut log = env("SANDBOX_REQUEST_LOG");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--smartbill-port" => {
                config.smartbill_port = value(&arg)?
                    .parse()
                    .map_err(|_| "--smartbill-port needs a port number".to_string())?
            }
            "--minicrm-port" => {
                config.minicrm_port = value(&arg)?
                    .parse()
                    .map_err(|_| "--minicrm-port needs a port number".to_string())?
            }
            "--host" => config.host = Some(value(&arg)?),
            "--no-seed" => config.seed = false,
            "--readings" => readings = Some(value(&arg)?),
            "--shape" => shape = Some(value(&arg)?),
            "--request-log" => log = Some(value(&arg)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(false);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if let Some(r) = readings {
        config.readings = sandbox::Readings::parse(&r).map_err(|e| format!("--readings: {e}"))?;
    }
    if let Some(s) = shape {
        config.shape = sandbox::TenantShape::parse(&s)
            .ok_or_else(|| format!("--shape: '{s}' is neither default nor typeIds"))?;
    }
    config.request_log = log.map(std::path::PathBuf::from);
    Ok(true)
}

fn main() -> ExitCode {
    let mut config = sandbox::Config {
        seed: true,
        ..Default::default()
    };
    match parse_args(&mut config) {
        Ok(true) => {}
        Ok(false) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sandbox: {e}\n{USAGE}");
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
                    sandbox::seed::info_of(&w)
                };
                println!("{info}");
                let _ = tokio::signal::ctrl_c().await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sandbox: cannot start: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
