//! Gives the memory the process freed back to the system (docs/REPORTS-BENCH.md "Server memory"). Must never free
//! or touch memory the program owns: it only asks glibc to release its free heap pages.

/// glibc's malloc keeps what the process freed: after a 10k-deal import SQLite had freed all but ~7 MB of the
/// ~118 MB it peaked at, yet the RSS stayed at ~220 MB, and one `malloc_trim(0)` brought it to ~59 MB
/// (docs/REPORTS-BENCH.md "Server memory"). So every 10 s the freed memory goes back to the system; the call walks the
/// arenas, which is cheap next to 10 s.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back_freed_memory() {
    extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    tokio::spawn(async {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            tick.tick().await;
            // SAFETY: malloc_trim only releases free memory of glibc's own heaps; it takes glibc's arena locks
            // and touches no memory the program owns.
            unsafe {
                malloc_trim(0);
            }
        }
    });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back_freed_memory() {}
