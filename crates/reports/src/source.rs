//! What the reports read from: the store, and the in-memory cache of its large tables (one [`ReportCache`] value,
//! created once by whoever owns the process — the server's state, a benchmark, a test — and shared by clones of
//! this handle). Must never hold request state.

use std::ops::Deref;

use b24a_store::Store;

use crate::cache::ReportCache;

/// The store plus the report cache, cheap to clone (both are shared handles).
///
/// Derefs to the [`Store`], so code that only reads the store (dictionaries, plan rows, test seeding) takes it as
/// it is.
#[derive(Clone)]
pub struct ReportSource {
    store: Store,
    cache: ReportCache,
}

impl ReportSource {
    pub fn new(store: Store, cache: ReportCache) -> ReportSource {
        ReportSource { store, cache }
    }

    /// The store, without the cache.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The report cache.
    pub fn cache(&self) -> &ReportCache {
        &self.cache
    }
}

impl Deref for ReportSource {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}
