//! `tcpmon [LISTEN_PORT [TARGET_HOST TARGET_PORT]]`: the desktop app.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{}", tcpmon_desktop::launch::USAGE);
        return;
    }
    match tcpmon_desktop::launch::parse(&args) {
        Ok(listener) => tcpmon_app::run(listener),
        Err(reason) => {
            eprintln!("tcpmon: {reason}\n{}", tcpmon_desktop::launch::USAGE);
            std::process::exit(2);
        }
    }
}
