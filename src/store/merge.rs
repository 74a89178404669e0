//! Which segments a writer merges: small ones, eight of a size at a time,
//! and never into a segment of more than [`MAX_MERGED_BYTES`].
//!
//! tantivy's default ([`tantivy::indexer::LogMergePolicy`]) merges any
//! eight segments of a similar number of documents, whatever their size.
//! A full index of the 1 GB set fills the writer's memory about eight
//! times, so whether its segments ended as one or as eight turned on how
//! evenly they came out: with the last merge the run took 29-31 s and
//! 310-330 MB peak RSS (the merge maps all 261 MB of the index), without
//! it 19-20 s and 260-275 MB, and searches were no faster on the one
//! segment than on the eight (in-process latency within 8%).
//!
//! So segments are measured in bytes, like Lucene's tiered merge policy
//! does: segments of a similar size (within a factor of
//! [`LEVEL_FACTOR`]) are merged eight at a time, the smallest first, as
//! long as the merged segment stays under [`MAX_MERGED_BYTES`]. A segment
//! that a writer thread's full memory made (25-40 MB of files at the
//! default 64 MiB a thread) is never merged with others;
//! the segments of runs that changed a few files are, so that they do not
//! pile up. A segment with a quarter of its sections deleted is rewritten
//! alone.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use tantivy::SegmentMeta;
use tantivy::indexer::{MergeCandidate, MergePolicy};

/// No merge makes a segment larger than this.
const MAX_MERGED_BYTES: u64 = 64 * 1024 * 1024;
/// Segments smaller than this count as this large: tiny ones are one
/// level, merged together.
const FLOOR_BYTES: u64 = 1024 * 1024;
/// Segments within this factor of the level's largest are one level.
const LEVEL_FACTOR: f64 = 3.0;
/// How many segments of a level are merged at once.
const SEGMENTS_PER_MERGE: usize = 8;
/// A segment with this share of its sections deleted is rewritten.
const DELETED_SHARE: f32 = 0.25;

/// quire's merge policy (see the module documentation), over the segments
/// in the index folder `dir`.
#[derive(Debug)]
pub(crate) struct SectionMergePolicy {
    dir: PathBuf,
}

impl SectionMergePolicy {
    pub(crate) fn new(dir: PathBuf) -> SectionMergePolicy {
        SectionMergePolicy { dir }
    }

    /// The bytes of each segment's files, by the segment's id.
    fn segment_bytes(&self) -> HashMap<String, u64> {
        let mut bytes = HashMap::new();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return bytes;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some((id, _)) = name.to_str().and_then(|n| n.split_once('.')) else {
                continue;
            };
            if let Ok(meta) = entry.metadata() {
                *bytes.entry(id.to_string()).or_default() += meta.len();
            }
        }
        bytes
    }
}

impl MergePolicy for SectionMergePolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let on_disk = self.segment_bytes();
        let mut sized: Vec<(u64, &SegmentMeta)> = segments
            .iter()
            .map(|s| {
                let bytes = on_disk.get(&s.id().uuid_string()).copied().unwrap_or(0);
                (bytes.max(FLOOR_BYTES), s)
            })
            .collect();
        candidates(&mut sized)
    }
}

/// The merges of `segments` (each with its size in bytes).
fn candidates(segments: &mut [(u64, &SegmentMeta)]) -> Vec<MergeCandidate> {
    let mut merges = Vec::new();
    let mut rewritten = Vec::new();
    for (_, segment) in segments.iter() {
        if deleted_share(segment) >= DELETED_SHARE {
            rewritten.push(segment.id());
            merges.push(MergeCandidate(vec![segment.id()]));
        }
    }
    // Largest first; a level runs down from its largest segment.
    segments.sort_by_key(|&(bytes, _)| std::cmp::Reverse(bytes));
    let mut rest = &segments[..];
    while let Some(&(top, _)) = rest.first() {
        let len = rest
            .iter()
            .take_while(|&&(bytes, _)| bytes as f64 * LEVEL_FACTOR >= top as f64)
            .count();
        let (level, next) = rest.split_at(len);
        rest = next;
        // The smallest of the level first, while they fit.
        let mut merge = Vec::new();
        let mut total = 0;
        for &(bytes, segment) in level.iter().rev() {
            if merge.len() == SEGMENTS_PER_MERGE {
                merges.push(MergeCandidate(std::mem::take(&mut merge)));
                total = 0;
            }
            if total + bytes > MAX_MERGED_BYTES {
                break;
            }
            if !rewritten.contains(&segment.id()) {
                total += bytes;
                merge.push(segment.id());
            }
        }
        if merge.len() == SEGMENTS_PER_MERGE {
            merges.push(MergeCandidate(merge));
        }
    }
    merges
}

fn deleted_share(segment: &SegmentMeta) -> f32 {
    match segment.max_doc() {
        0 => 0.0,
        n => segment.num_deleted_docs() as f32 / n as f32,
    }
}

#[cfg(test)]
mod tests {
    use tantivy::Index;
    use tantivy::index::SegmentId;
    use tantivy::schema::Schema;

    use super::*;

    const MB: u64 = 1024 * 1024;

    /// Segments of these sizes (MB) and deleted shares, and the merges
    /// chosen, as lists of indexes into them, each sorted.
    fn merges_of(segments: &[(u64, f32)]) -> Vec<Vec<usize>> {
        let index = Index::create_in_ram(Schema::builder().build());
        let metas: Vec<SegmentMeta> = segments
            .iter()
            .map(|&(_, deleted)| {
                let meta = index.new_segment_meta(SegmentId::generate_random(), 1000);
                match (deleted * 1000.0) as u32 {
                    0 => meta,
                    n => meta.with_delete_meta(n, 1),
                }
            })
            .collect();
        let mut sized: Vec<(u64, &SegmentMeta)> = segments
            .iter()
            .zip(&metas)
            .map(|(&(mb, _), meta)| ((mb * MB).max(FLOOR_BYTES), meta))
            .collect();
        let position = |id: SegmentId| metas.iter().position(|m| m.id() == id).unwrap();
        let mut merges: Vec<Vec<usize>> = candidates(&mut sized)
            .into_iter()
            .map(|MergeCandidate(ids)| {
                let mut at: Vec<usize> = ids.into_iter().map(position).collect();
                at.sort();
                at
            })
            .collect();
        merges.sort();
        merges
    }

    #[test]
    fn eight_small_segments_of_a_size_are_merged() {
        assert_eq!(merges_of(&[(2, 0.0); 8]), vec![(0..8).collect::<Vec<_>>()]);
        assert!(merges_of(&[(2, 0.0); 7]).is_empty());
    }

    #[test]
    fn segments_too_large_together_stay_apart() {
        // Eight segments of 30 MB (a full budget's at the default memory)
        // would make one of 240 MB.
        assert!(merges_of(&[(30, 0.0); 8]).is_empty());
        // Nine of 8 MB: the eight that fit under 64 MB, no more.
        let merges = merges_of(&[(8, 0.0); 9]);
        assert_eq!(merges.len(), 1);
        assert_eq!(merges[0].len(), 8);
    }

    #[test]
    fn sizes_far_apart_are_different_levels() {
        // One large segment and seven small ones: no level has eight.
        let mut segments = vec![(20, 0.0)];
        segments.extend([(1, 0.0); 7]);
        assert!(merges_of(&segments).is_empty());
        // Sixteen tiny ones: two merges of eight.
        assert_eq!(merges_of(&[(0, 0.0); 16]).len(), 2);
    }

    #[test]
    fn a_segment_with_a_quarter_deleted_is_rewritten_alone() {
        let mut segments = vec![(30, 0.3)];
        segments.extend([(30, 0.1); 3]);
        assert_eq!(merges_of(&segments), vec![vec![0]]);
        // And is not merged with others at the same time.
        let mut segments = vec![(2, 0.5)];
        segments.extend([(2, 0.0); 8]);
        assert_eq!(merges_of(&segments), vec![vec![0], (1..9).collect()]);
    }
}
