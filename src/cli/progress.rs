//! The progress bar of `quire index`: on stderr, only when stderr is a
//! terminal, only once the run has taken more than a moment, and never with
//! `--quiet`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this show no bar at all.
const DELAY: Duration = Duration::from_millis(300);

pub struct Bar {
    bar: ProgressBar,
    quiet: bool,
    shown: AtomicBool,
    started: Instant,
    files: AtomicU64,
    total_files: AtomicU64,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} indexing {msg} files [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, ETA {eta})",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        Bar {
            bar,
            quiet,
            shown: AtomicBool::new(false),
            started: Instant::now(),
            files: AtomicU64::new(0),
            total_files: AtomicU64::new(0),
        }
    }
}

impl quire::Progress for Bar {
    fn start(&self, files: u64, bytes: u64) {
        self.total_files.store(files, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.bar.set_message(format!("0/{files}"));
    }

    fn file_done(&self, bytes: u64) {
        let done = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.inc(bytes);
        self.bar.set_message(format!(
            "{done}/{}",
            self.total_files.load(Ordering::Relaxed)
        ));
        if !self.quiet
            && self.started.elapsed() > DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            // indicatif's stderr target draws nothing when stderr is not a
            // terminal.
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
