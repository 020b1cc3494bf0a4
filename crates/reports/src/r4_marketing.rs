//! TODO placeholder being written.
use crate::{answer::Answer, error::ReportError, filter::Range, prepare::Prepared, tally::Group};
use b24a_store::Store;
pub async fn run(_s: &Store, _p: &Prepared) -> Result<Answer, ReportError> {
    unimplemented!()
}
pub(crate) async fn hits(
    _s: &Store,
    _p: &Prepared,
    _r: Range,
    _m: &str,
    _g: &Group,
) -> Result<Vec<i64>, ReportError> {
    unimplemented!()
}
