//! What an open index remembers across searches: the dearest lookups of a
//! search, each kept for as long as it stays right.
//!
//! - typo'd variants of words ([`TypoCache`]), per commit;
//! - BM25 statistics ([`Statistics`]), per commit;
//! - long sections read ([`SectionCache`]), per segment, which never
//!   changes once written;
//! - the stop words and synonyms ([`VocabularyCache`]), per commit;
//! - the model and the sections' vectors ([`MeaningCache`]), per commit
//!   and per segment;
//! - the folders' base URLs ([`SitesCache`]), per commit.
//!
//! All six are bounded, and shared by every thread that searches.

use super::links::SitesCache;
use super::meaning::MeaningCache;
use super::sections::SectionCache;
use super::statistics::Statistics;
use super::typos::TypoCache;
use super::vocabulary::VocabularyCache;

/// The caches of one open index.
#[derive(Default)]
pub(crate) struct Caches {
    /// Words' typo'd variants already looked up.
    pub(crate) typos: TypoCache,
    /// BM25 statistics already looked up.
    pub(crate) statistics: Statistics,
    /// Long sections already read.
    pub(crate) sections: SectionCache,
    /// The stop words and synonyms of the last commit seen.
    pub(crate) vocabulary: VocabularyCache,
    /// The model, and the vectors of the segments searched.
    pub(crate) meaning: MeaningCache,
    /// The base URLs of the last commit seen.
    pub(crate) sites: SitesCache,
}
