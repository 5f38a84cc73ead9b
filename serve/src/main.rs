//! The `serve` binary: dispatches the first argument to a command.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("", &[][..]),
    };
    let result = match command {
        "score" => serve::cli::score(rest),
        "inspect" => serve::cli::inspect(rest),
        "--version" | "version" => {
            println!("serve {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        "help" | "--help" | "-h" => {
            println!("{}", serve::cli::USAGE);
            Ok(())
        }
        other => {
            let what = if other.is_empty() {
                "a command is required".to_owned()
            } else {
                format!("unknown command `{other}`")
            };
            eprintln!("serve: {what}\n{}", serve::cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve: {}", e.message);
            ExitCode::from(e.code as u8)
        }
    }
}
