//! What the load and memory examples (`tests/examples/`) share: the six reports they ask for, their settings from
//! the environment, and a process's memory as Linux reports it. Benchmark support only: no test asserts with it.

/// The six reports of the reference product, as the JSON API names them.
pub const SIX_REPORTS: [&str; 6] = [
    "sales_dynamics",
    "managers",
    "plan",
    "marketing",
    "tasks",
    "forget_me_not",
];

/// A whole-number setting from the environment, or `default` when unset or not a number.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A line of `/proc/<pid>/status` in MB (`VmRSS` now, `VmHWM` peak) for `pid` (`"self"` for this process); 0 where
/// there is none (not Linux, the process is gone).
pub fn status_mb(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
