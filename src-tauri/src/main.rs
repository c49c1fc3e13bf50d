//! `tcpmon [LISTEN_PORT [TARGET_HOST TARGET_PORT]]`: the desktop app.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{}", tcpmon_desktop::launch::USAGE);
        return;
    }
    match tcpmon_desktop::launch::parse(&args) {
        Ok(listener) => {
            #[cfg(target_os = "linux")]
            draw_on_the_cpu();
            tcpmon_app::run(listener)
        }
        Err(reason) => {
            eprintln!("tcpmon: {reason}\n{}", tcpmon_desktop::launch::USAGE);
            std::process::exit(2);
        }
    }
}

/// WebKit's switch for drawing the page on the CPU rather than compositing it with OpenGL.
#[cfg(target_os = "linux")]
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Draws the window on the CPU, unless the user set `WEBKIT_DISABLE_COMPOSITING_MODE` (WebKit
/// reads it: `0` composites). Without a GPU (a VM, a remote desktop, Xvfb) WebKit composites
/// through software OpenGL (Mesa's llvmpipe): with 3,000 connections a second arriving, the
/// page drew 16 frames a second with gaps up to 215 ms, and WebKit took 349 us of CPU per
/// connection; drawn on the CPU, 63 frames a second, the longest gap 114 ms, 96 us, and 110 MiB
/// less memory idle (`bench/app-scale.sh`). It is done with a GPU too: a table of text drawn on
/// the CPU keeps up (above), and the switch is the usual cure for WebKitGTK windows that stay
/// blank with some GPU drivers.
///
/// WebKit reads the switch from the environment as it starts, and this process may not change
/// its own environment safely: it starts itself again (same PID, same arguments) with it set.
/// WebKit's hardware acceleration policy, set on the web view once the window exists, was
/// measured and changed nothing. Should the new start fail, the app goes on as it is.
#[cfg(target_os = "linux")]
fn draw_on_the_cpu() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os(NO_COMPOSITING).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut again = std::process::Command::new(exe);
    if let Some(name) = args.next() {
        again.arg0(name);
    }
    let failed = again.args(args).env(NO_COMPOSITING, "1").exec();
    eprintln!(
        "tcpmon: drawing with OpenGL: could not start again with {NO_COMPOSITING}=1: {failed}"
    );
}
