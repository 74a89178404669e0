//! Snippets: the part of a section that shows why it matched, with the
//! matched words marked.
//!
//! tantivy's own snippet generator cuts fixed windows from the start of the
//! text, counts bytes, and marks nothing for queries it cannot list terms
//! for. This one follows Meilisearch's crop: among windows of the allowed
//! length it takes the one with the most distinct query terms, then the
//! tightest; it then grows that window to the full length, starting at the
//! sentence the matches are in when that fits, and cuts at word boundaries
//! with `…` on each cut side. Lengths count characters, not bytes. A section
//! that matched only by its title or headings shows its opening text.
//!
//! Words are matched after the same analysis as the index (lower-casing and
//! stemming in the hit's language, English unless it has another), so
//! `sleeping` marks `sleep` and `sleeps`.

use std::cell::RefCell;
use std::collections::HashSet;

use frostem::Algorithm;
use rustc_hash::FxHashMap;

use super::results::{Highlight, Snippet};
use crate::analysis::checkpoints::token_bytes;
use crate::analysis::language;
use crate::analysis::stem::StemCache;
use crate::analysis::tokens::{MAX_TOKEN_BYTES, tokens};

thread_local! {
    /// The stems snippets look words up with, per language, kept across
    /// searches: the texts quire shows share most of their words.
    static STEMS: RefCell<FxHashMap<Algorithm, StemCache>> = RefCell::new(FxHashMap::default());
}

/// The index terms one search marks in its snippets, each with a number,
/// and what it has learnt of the words it has read: its hits share most of
/// their words, and each is looked up once.
pub(crate) struct Marks {
    terms: FxHashMap<String, usize>,
    firsts: FirstLetters,
    /// The stemmer of the hit being read.
    stemmer: Algorithm,
    /// Lower-cased words read so far, with the term each stems to.
    seen: FxHashMap<Box<str>, Option<usize>>,
}

impl Marks {
    /// What to mark: these index terms (stemmed, as the index has them).
    pub(crate) fn new(terms: &HashSet<String>) -> Marks {
        let mut sorted: Vec<&String> = terms.iter().collect();
        sorted.sort();
        Marks {
            terms: sorted
                .into_iter()
                .enumerate()
                .map(|(id, term)| (term.clone(), id))
                .collect(),
            firsts: FirstLetters::of(terms),
            stemmer: Algorithm::English,
            seen: FxHashMap::default(),
        }
    }

    /// Reads the next texts as written in the language `lang` (English,
    /// and languages with no stemmer, stem as English).
    pub(crate) fn set_language(&mut self, lang: Option<&str>) {
        let stemmer = lang
            .and_then(language::stemmer)
            .unwrap_or(Algorithm::English);
        if stemmer != self.stemmer {
            self.stemmer = stemmer;
            self.seen.clear();
        }
    }

    /// The terms with their numbers.
    pub(crate) fn terms(&self) -> impl Iterator<Item = (&str, usize)> {
        self.terms.iter().map(|(term, &id)| (term.as_str(), id))
    }

    /// The number of the term `word` (one lower-cased token) stems to.
    fn term_of(&mut self, word: &str) -> Option<usize> {
        if let Some(&known) = self.seen.get(word) {
            return known;
        }
        let stemmer = self.stemmer;
        let term = STEMS.with_borrow_mut(|stems| {
            let stems = stems
                .entry(stemmer)
                .or_insert_with(|| StemCache::of(stemmer));
            self.terms.get(stems.stem(word)).copied()
        });
        self.seen.insert(word.into(), term);
        term
    }
}

const ELLIPSIS: &str = "…";

/// A matched token of the folded text: its byte range and character start.
#[derive(Clone, Copy)]
struct Match {
    start: usize,
    end: usize,
    char_start: usize,
    char_end: usize,
    term: usize,
}

/// Makes up to `count` snippets of `text` that do not overlap, the best
/// first: each is the best window among the matches the earlier ones left
/// out. Without any match, one snippet: the opening text.
pub(crate) fn make_many(
    text: &str,
    marks: &mut Marks,
    max_chars: usize,
    count: usize,
) -> Vec<Snippet> {
    let max_chars = max_chars.max(1);
    if text.len() <= LARGE_TEXT {
        return cut(text, (false, false), marks, max_chars, count);
    }
    // A long section: find the matches in the raw text, then cut each
    // snippet from a stretch around its cluster, so that folding white
    // space and finding sentences costs the stretch, not the section.
    let matches = find_matches(text, marks);
    let mut snippets = Vec::new();
    let mut left = matches;
    while snippets.len() < count.max(1) {
        let (from, to) = match best_cluster(&left, max_chars) {
            Some((first, last)) => (left[first].start, left[last].end),
            None if snippets.is_empty() => (0, 0),
            None => break,
        };
        let (start, end) = stretch(text, from, to, max_chars);
        let region = &text[start..end];
        let cut_sides = (start > 0, end < text.len());
        snippets.extend(cut(region, cut_sides, marks, max_chars, 1));
        if left.is_empty() {
            break;
        }
        left.retain(|m| m.end <= start || m.start >= end);
    }
    snippets
}

/// Every marked word of `text` (a whole section, white space as it is),
/// in order; overlapping ones (pairs of CJK characters) as one.
pub(crate) fn highlights(text: &str, marks: &mut Marks) -> Vec<Highlight> {
    let mut out: Vec<Highlight> = Vec::new();
    for m in find_matches(text, marks) {
        match out.last_mut() {
            Some(last) if m.start < last.end => {
                last.end = last.end.max(m.end);
                last.char_end = last.char_end.max(m.char_end);
            }
            _ => out.push(Highlight {
                start: m.start,
                end: m.end,
                char_start: m.char_start,
                char_end: m.char_end,
            }),
        }
    }
    out
}

/// Sections longer than this, in bytes, are cut from stretches around
/// their matches.
pub(crate) const LARGE_TEXT: usize = 16 * 1024;

/// Roughly how many characters a token takes, with the space after it:
/// turns the snippet budget into a span of token positions.
const TOKEN_CHARS: usize = 7;

/// [`make_many`] for a long text whose matches the index has already
/// located: `positions` are the token positions in `text` of the matched
/// terms (any order), with a term number each. Only the stretches around
/// the best clusters are read. `None` when the checkpoints do not fit the
/// text (then read it whole with [`make_many`]).
pub(crate) fn make_many_located(
    text: &str,
    checkpoints: &[u8],
    positions: &[(u32, usize)],
    marks: &mut Marks,
    max_chars: usize,
    count: usize,
) -> Option<Vec<Snippet>> {
    let max_chars = max_chars.max(1);
    // A token is one term: sorting and deduplicating by token suffices.
    let mut positions = positions.to_vec();
    positions.sort_unstable_by_key(|&(token, _)| token);
    positions.dedup_by_key(|&mut (token, _)| token);
    let mut left: Vec<Match> = positions
        .iter()
        .map(|&(token, term)| {
            let token = token as usize;
            Match {
                start: token,
                end: token + 1,
                char_start: token * TOKEN_CHARS,
                char_end: (token + 1) * TOKEN_CHARS,
                term,
            }
        })
        .collect();
    let pad_tokens = (max_chars + STRETCH_MARGIN) / TOKEN_CHARS;
    let mut regions: Vec<(usize, usize)> = Vec::new();
    let mut snippets = Vec::new();
    while snippets.len() < count.max(1) {
        let (start, end) = match best_cluster(&left, max_chars) {
            Some((first, last)) => {
                let (from, _) = token_bytes(text, checkpoints, left[first].start)?;
                let (_, to) = token_bytes(text, checkpoints, left[last].start)?;
                let (first, last) = (left[first].start, left[last].start);
                left.retain(|m| m.start + pad_tokens < first || m.start > last + pad_tokens);
                stretch(text, from, to, max_chars)
            }
            None if snippets.is_empty() => stretch(text, 0, 0, max_chars),
            None => break,
        };
        if regions.iter().any(|&(s, e)| start < e && s < end) {
            continue;
        }
        regions.push((start, end));
        let cut_sides = (start > 0, end < text.len());
        snippets.extend(cut(&text[start..end], cut_sides, marks, max_chars, 1));
        if left.is_empty() {
            break;
        }
    }
    Some(snippets)
}

/// How many characters past a snippet's reach a stretch reads, so that
/// the words at its edges are seen whole, with the space before them.
const STRETCH_MARGIN: usize = 8;

/// The stretch of `text` that any snippet of `max_chars` characters
/// showing bytes `from..to` lies in, with a margin: cutting the snippet from
/// it gives what cutting it from the whole text would. Characters are
/// counted as the snippet shows them, a run of white space as one.
fn stretch(text: &str, from: usize, to: usize, max_chars: usize) -> (usize, usize) {
    let reach = max_chars + STRETCH_MARGIN;
    (
        word_boundary_before(text, folded_back(text, from, reach)),
        word_boundary_after(text, folded_forward(text, to, reach)),
    )
}

/// Whether an ASCII byte is white space, as `char::is_whitespace` says.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ')
}

/// The start of the character `n` characters before byte `at`, counted as
/// the snippet shows them (a run of white space as one); 0 if the text
/// starts sooner.
fn folded_back(text: &str, at: usize, n: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut at, mut counted, mut previous_space) = (at, 0, false);
    while at > 0 {
        let (start, space) = match bytes[at - 1] {
            b if b.is_ascii() => (at - 1, is_ascii_space(b)),
            _ => {
                let c = text[..at].chars().next_back().expect("not at the start");
                (at - c.len_utf8(), c.is_whitespace())
            }
        };
        if !(space && previous_space) {
            if counted == n {
                return start;
            }
            counted += 1;
        }
        previous_space = space;
        at = start;
    }
    0
}

/// The byte `n` characters after byte `at`, counted as [`folded_back`]
/// counts; the text's end if it ends sooner.
fn folded_forward(text: &str, at: usize, n: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut at, mut counted, mut previous_space) = (at, 0, false);
    while at < bytes.len() {
        let (len, space) = match bytes[at] {
            b if b.is_ascii() => (1, is_ascii_space(b)),
            _ => {
                let c = text[at..].chars().next().expect("not at the end");
                (c.len_utf8(), c.is_whitespace())
            }
        };
        if !(space && previous_space) {
            if counted == n {
                return at;
            }
            counted += 1;
        }
        previous_space = space;
        at += len;
    }
    bytes.len()
}

/// The start of the word at or before byte `at` (0 if none).
fn word_boundary_before(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// The end of the word at or after byte `at` (the text's end if none).
fn word_boundary_after(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    text[at..]
        .find(char::is_whitespace)
        .map_or(text.len(), |i| at + i)
}

/// Up to `count` snippets of `text`, which is a stretch of a longer text
/// when `cut_sides` says so (its start, its end), so those sides get `…`.
fn cut(
    text: &str,
    cut_sides: (bool, bool),
    marks: &mut Marks,
    max_chars: usize,
    count: usize,
) -> Vec<Snippet> {
    let flat = fold_space(text);
    let matches = find_matches(&flat.text, marks);
    if matches.is_empty() {
        let end = cut_after(&flat, 0, 0, max_chars);
        return vec![assemble(&flat.text, 0, end, &matches, cut_sides)];
    }
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut left: Vec<Match> = matches.clone();
    while windows.len() < count.max(1) {
        let Some((first, last)) = best_cluster(&left, max_chars) else {
            break;
        };
        let (start, end) = window(&flat, &left[first], &left[last], max_chars);
        if !windows.iter().any(|&(s, e)| start < e && s < end) {
            windows.push((start, end));
        }
        // Whatever this window shows, or overlaps, is not shown again.
        let taken = left[first].start..left[last].end;
        left.retain(|m| !(taken.contains(&m.start) || (m.start < end && m.end > start)));
    }
    windows
        .into_iter()
        .map(|(start, end)| assemble(&flat.text, start, end, &matches, cut_sides))
        .collect()
}

/// A section's text with white space folded, and where its sentences
/// start.
struct Flat {
    text: String,
    /// Byte offsets of the words that start a sentence or a paragraph, in
    /// order; the first word always does.
    starts: Vec<usize>,
}

/// Folds every run of white space into one space, noting sentence starts:
/// after a blank line, and after a word that ends a sentence (`.`, `!`,
/// `?`) unless that word is a list number such as `5.`.
fn fold_space(text: &str) -> Flat {
    let mut flat = Flat {
        text: String::with_capacity(text.len()),
        starts: Vec::new(),
    };
    let mut previous: Option<&str> = None;
    let mut gap_start = 0;
    for (offset, word) in words(text) {
        let gap = &text[gap_start..offset];
        let starts_sentence = match previous {
            None => true,
            Some(p) => {
                gap.matches('\n').count() >= 2
                    || (p.ends_with(['.', '!', '?'])
                        && !p[..p.len() - 1].bytes().all(|b| b.is_ascii_digit()))
            }
        };
        if previous.is_some() {
            flat.text.push(' ');
        }
        if starts_sentence {
            flat.starts.push(flat.text.len());
        }
        flat.text.push_str(word);
        previous = Some(word);
        gap_start = offset + word.len();
    }
    flat
}

/// The words of `text` (runs of non-white-space) with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// The tokens of `flat` whose stem is one of `terms`.
///
/// Stemming every word of a long section is most of a search's time, so
/// words are only stemmed when they could match: English stemming keeps a
/// word's first letter, so a word whose first letter starts no query term
/// is passed over, and each distinct word is looked up once per search.
fn find_matches(flat: &str, marks: &mut Marks) -> Vec<Match> {
    let mut matches = Vec::new();
    let (mut byte, mut chars) = (0, 0);
    let mut word = String::new();
    for (start, end, first) in tokens(flat) {
        // The same tokens as the index makes, the long ones dropped as
        // the index drops them; nothing is allocated for a word that
        // cannot match.
        // English stemming keeps a word's first letter; other languages'
        // may not (German's `über` stems to `uber`).
        if end - start > MAX_TOKEN_BYTES
            || (marks.stemmer == Algorithm::English && !marks.firsts.contains(first))
        {
            continue;
        }
        word.clear();
        let run = &flat[start..end];
        if run.is_ascii() {
            word.push_str(run);
            word.make_ascii_lowercase();
        } else {
            word.extend(run.chars().flat_map(char::to_lowercase));
        }
        let term = marks.term_of(&word);
        let Some(term) = term else {
            continue;
        };
        // Tokens start in text order (CJK pairs overlap, but each starts
        // after the one before), so one running count of the characters
        // up to the last start gives every character offset.
        chars += flat[byte..start].chars().count();
        byte = start;
        matches.push(Match {
            start,
            end,
            char_start: chars,
            char_end: chars + run.chars().count(),
            term,
        });
    }
    matches
}

/// The first letters of the query terms: English stemming keeps a word's
/// first letter, so a word starting with none of them cannot match.
struct FirstLetters {
    ascii: [bool; 128],
    other: Vec<char>,
}

impl FirstLetters {
    fn of(terms: &HashSet<String>) -> FirstLetters {
        let mut firsts = FirstLetters {
            ascii: [false; 128],
            other: Vec::new(),
        };
        for c in terms.iter().filter_map(|t| t.chars().next()) {
            match u8::try_from(c) {
                Ok(b) if b.is_ascii() => firsts.ascii[usize::from(b)] = true,
                _ => firsts.other.push(c),
            }
        }
        firsts
    }

    /// Whether a word starting with `c` could match, once lower-cased.
    fn contains(&self, c: char) -> bool {
        match u8::try_from(c) {
            Ok(b) if b.is_ascii() => self.ascii[usize::from(b.to_ascii_lowercase())],
            _ => c.to_lowercase().any(|c| match u8::try_from(c) {
                Ok(b) if b.is_ascii() => self.ascii[usize::from(b)],
                _ => self.other.contains(&c),
            }),
        }
    }
}

/// The first and last match of the run that fits in `max_chars` with the
/// most distinct terms, then the shortest span, then the earliest.
fn best_cluster(matches: &[Match], max_chars: usize) -> Option<(usize, usize)> {
    // Term numbers are small: how often each is in the window, and how
    // many are there at all.
    let terms = matches.iter().map(|m| m.term + 1).max().unwrap_or(0);
    let mut counts = vec![0usize; terms];
    let mut distinct = 0;
    let add = |counts: &mut [usize], distinct: &mut usize, term: usize| {
        counts[term] += 1;
        if counts[term] == 1 {
            *distinct += 1;
        }
    };
    let mut best: Option<(usize, usize, usize, usize)> = None; // distinct, span, first, last
    let mut end = 0; // the window is matches[first..end]
    for first in 0..matches.len() {
        if end <= first {
            counts.iter_mut().for_each(|c| *c = 0);
            distinct = 0;
            // A match always fits, even one longer than the budget.
            add(&mut counts, &mut distinct, matches[first].term);
            end = first + 1;
        }
        while end < matches.len() && matches[end].char_end - matches[first].char_start <= max_chars
        {
            add(&mut counts, &mut distinct, matches[end].term);
            end += 1;
        }
        let span = matches[end - 1].char_end - matches[first].char_start;
        if best.is_none_or(|(d, s, _, _)| distinct > d || (distinct == d && span < s)) {
            best = Some((distinct, span, first, end - 1));
        }
        // Slide: `first` leaves the window.
        counts[matches[first].term] -= 1;
        if counts[matches[first].term] == 0 {
            distinct -= 1;
        }
    }
    best.map(|(_, _, first, last)| (first, last))
}

/// The byte range of the snippet around the matches `first..=last`.
fn window(flat: &Flat, first: &Match, last: &Match, max_chars: usize) -> (usize, usize) {
    let text = flat.text.as_str();
    let span = last.char_end - first.char_start;
    let slack = max_chars.saturating_sub(span);
    let word_start = text[..first.start].rfind(' ').map_or(0, |i| i + 1);
    let sentence = sentence_start(flat, first.start);
    let mut start = if text[sentence..first.start].chars().count() <= slack {
        sentence
    } else {
        // Some context before the first match, a third of what is left.
        snap_to_word(text, back_chars(text, first.start, slack / 3)).min(word_start)
    };
    let end = cut_after(flat, start, last.end, max_chars);
    // When the text ends early, spend what is left before the start.
    let used = text[start..end].chars().count();
    if end == text.len() && start > 0 && used < max_chars {
        let earlier = snap_to_word(text, back_chars(text, start, max_chars - used));
        // Start at a sentence if one begins in the added stretch.
        start = flat
            .starts
            .iter()
            .copied()
            .find(|&s| s >= earlier && s < start)
            .unwrap_or(earlier)
            .min(start);
    }
    (start, end)
}

/// Where the sentence holding byte `at` starts.
fn sentence_start(flat: &Flat, at: usize) -> usize {
    let i = flat.starts.partition_point(|&s| s <= at);
    flat.starts[..i].last().copied().unwrap_or(0)
}

/// The byte `n` characters before `at`.
fn back_chars(text: &str, at: usize, n: usize) -> usize {
    if n == 0 {
        return at;
    }
    text[..at]
        .char_indices()
        .rev()
        .nth(n - 1)
        .map_or(0, |(i, _)| i)
}

/// Moves `at` forward to the start of the next word, unless a word starts
/// there.
fn snap_to_word(text: &str, at: usize) -> usize {
    if at == 0 || text.as_bytes()[at - 1] == b' ' {
        return at;
    }
    text[at..].find(' ').map_or(text.len(), |i| at + i + 1)
}

/// Where a snippet of at most `max_chars` characters that starts at `start`
/// and must hold everything up to `must_reach` ends: before a sentence that
/// starts in its second half, else at the last word boundary.
fn cut_after(flat: &Flat, start: usize, must_reach: usize, max_chars: usize) -> usize {
    let text = flat.text.as_str();
    let limit = match text[start..].char_indices().nth(max_chars) {
        Some((i, _)) => start + i,
        None => return text.len(),
    };
    let half = start + (limit - start) / 2;
    let floor = must_reach.max(half);
    // A sentence starting right at `limit` ends a whole sentence too.
    let sentence_end = flat
        .starts
        .iter()
        .copied()
        .rfind(|&s| s > floor && s <= limit + 1);
    if let Some(s) = sentence_end {
        return s - 1;
    }
    // The character at `limit` is a space: the cut falls between words.
    if text.as_bytes()[limit] == b' ' {
        return limit.max(must_reach);
    }
    match text[start..limit].rfind(' ') {
        Some(i) if start + i >= must_reach && i > 0 => start + i,
        _ => limit.max(must_reach),
    }
}

fn assemble(
    flat: &str,
    start: usize,
    end: usize,
    matches: &[Match],
    (cut_before, cut_after): (bool, bool),
) -> Snippet {
    let mut text = String::with_capacity(end - start + 8);
    let (mut byte_shift, mut char_shift) = (0, 0);
    if start > 0 || cut_before {
        text.push_str(ELLIPSIS);
        byte_shift = ELLIPSIS.len();
        char_shift = 1;
    }
    text.push_str(flat[start..end].trim_end());
    if end < flat.len() || cut_after {
        if text.ends_with(['.', '!', '?']) {
            text.push(' ');
        }
        text.push_str(ELLIPSIS);
    }
    let chars_before = flat[..start].chars().count();
    let mut highlights: Vec<Highlight> = Vec::new();
    for m in matches.iter().filter(|m| m.start >= start && m.end <= end) {
        let highlight = Highlight {
            start: m.start - start + byte_shift,
            end: m.end - start + byte_shift,
            char_start: m.char_start - chars_before + char_shift,
            char_end: m.char_end - chars_before + char_shift,
        };
        // The overlapping pairs of a CJK run are marked as one stretch.
        match highlights.last_mut() {
            Some(last) if highlight.start < last.end => {
                last.end = last.end.max(highlight.end);
                last.char_end = last.char_end.max(highlight.char_end);
            }
            _ => highlights.push(highlight),
        }
    }
    Snippet { text, highlights }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyzers::{cached_en_stem, terms};
    use crate::analysis::checkpoints::{CHECKPOINT_EVERY, LOCATED_TEXT, encode as checkpoints};
    use crate::analysis::tokens::count_tokens;

    /// The analyzer the index's text fields are written with.
    fn analyzer() -> tantivy::tokenizer::TextAnalyzer {
        cached_en_stem()
    }

    fn snippet(text: &str, words: &[&str], max: usize) -> Snippet {
        snippet_many(text, words, max, 1).remove(0)
    }

    fn snippet_many(text: &str, words: &[&str], max: usize, count: usize) -> Vec<Snippet> {
        let mut a = analyzer();
        let terms: HashSet<String> = words.iter().flat_map(|w| terms(&mut a, w)).collect();
        make_many(text, &mut Marks::new(&terms), max, count)
    }

    /// The highlighted text, found by its character offsets.
    fn by_chars(text: &str, h: &Highlight) -> String {
        text.chars()
            .skip(h.char_start)
            .take(h.char_end - h.char_start)
            .collect()
    }

    fn marked(s: &Snippet) -> Vec<&str> {
        s.highlights
            .iter()
            .map(|h| &s.text[h.start..h.end])
            .collect()
    }

    const TEXT: &str = "Gout is a kind of arthritis. It causes pain in the big toe. \
        Attacks come at night and last days. Doctors treat gout with drugs that lower uric acid. \
        Diet matters too: less red meat and beer. Most people with gout live normal lives.";

    #[test]
    fn short_text_is_whole_and_marked() {
        let s = snippet("Sleep  well.\nSleeping helps.", &["sleep"], 100);
        assert_eq!(s.text, "Sleep well. Sleeping helps.");
        assert_eq!(marked(&s), ["Sleep", "Sleeping"]);
    }

    #[test]
    fn window_holds_the_most_distinct_terms() {
        let s = snippet(TEXT, &["uric", "drugs"], 60);
        assert!(s.text.contains("drugs that lower uric acid"), "{}", s.text);
        assert_eq!(marked(&s), ["drugs", "uric"]);
        assert!(
            s.text.starts_with('…') && s.text.ends_with('…'),
            "{}",
            s.text
        );
        assert!(s.text.chars().count() <= 60 + 3, "{}", s.text);
    }

    #[test]
    fn window_starts_at_the_sentence_when_it_fits() {
        let s = snippet(TEXT, &["beer"], 80);
        assert!(s.text.starts_with("…Diet matters too"), "{}", s.text);
    }

    #[test]
    fn no_match_gives_the_opening_text() {
        let s = snippet(TEXT, &["nothing"], 40);
        assert!(
            s.text.starts_with("Gout is a kind of arthritis."),
            "{}",
            s.text
        );
        assert!(s.highlights.is_empty());
        assert!(s.text.ends_with('…'));
    }

    #[test]
    fn offsets_count_bytes_and_characters() {
        let s = snippet(
            "Ménière’s disease causes vertigo. ".repeat(8).trim(),
            &["vertigo"],
            50,
        );
        for h in &s.highlights {
            assert_eq!(&s.text[h.start..h.end], "vertigo");
            assert_eq!(by_chars(&s.text, h), "vertigo");
        }
        assert!(!s.highlights.is_empty());
    }

    #[test]
    fn paragraphs_bound_sentences_and_list_numbers_do_not() {
        let text = "Clinically, it should be told from these diseases:\n\n\
            1. Facial paralysis of facial paralysis: a long history of facial palsy.\n\n\
            2. Habitual tics: small repeated movements, mostly in childhood.\n\n\
            3. Lesions in the midbrain and cone system.";
        let s = snippet(text, &["childhood"], 90);
        assert_eq!(
            s.text,
            "…2. Habitual tics: small repeated movements, mostly in childhood. …"
        );
        assert_eq!(marked(&s), ["childhood"]);
    }

    #[test]
    fn several_snippets_do_not_overlap_and_come_best_first() {
        let mut a = analyzer();
        let terms: HashSet<String> = ["gout", "uric"]
            .iter()
            .flat_map(|w| terms(&mut a, w))
            .collect();
        let snippets = make_many(TEXT, &mut Marks::new(&terms), 60, 3);
        assert!(snippets.len() >= 2, "{snippets:?}");
        // The first holds both words, the others only gout.
        assert_eq!(marked(&snippets[0]).len(), 2, "{snippets:?}");
        for pair in snippets.windows(2) {
            let first = pair[0].text.trim_matches('…');
            let second = pair[1].text.trim_matches('…');
            assert!(!first.contains(second) && !second.contains(first));
        }
        let total: usize = snippets.iter().map(|s| s.highlights.len()).sum();
        assert_eq!(total, 4, "every gout and uric once: {snippets:?}");
    }

    #[test]
    fn first_letters_match_in_any_case() {
        let terms: HashSet<String> = ["gout", "émotion", "ωμέγα"].map(String::from).into();
        let firsts = FirstLetters::of(&terms);
        for c in ['g', 'G', 'é', 'É', 'ω', 'Ω'] {
            assert!(firsts.contains(c), "{c}");
        }
        for c in ['x', 'e', 'E', '1', 'ö'] {
            assert!(!firsts.contains(c), "{c}");
        }
    }

    #[test]
    fn long_sections_are_cut_from_stretches_around_matches() {
        let filler = "Nothing to see in this sentence at all. ".repeat(1000);
        let text =
            format!("{filler}Gout is treated with colchicine. {filler}Uric acid again. {filler}");
        assert!(text.len() > LARGE_TEXT);
        let snippets = snippet_many(&text, &["colchicine", "uric"], 80, 3);
        assert_eq!(snippets.len(), 2, "{snippets:?}");
        assert!(snippets[0].text.starts_with('…') && snippets[0].text.ends_with('…'));
        for s in &snippets {
            assert_eq!(s.highlights.len(), 1, "{s:?}");
            for h in &s.highlights {
                assert_eq!(by_chars(&s.text, h), s.text[h.start..h.end]);
            }
            assert!(s.text.chars().count() <= 84, "{s:?}");
        }
        // No match at all: the opening, cut on the right only.
        let s = &snippet_many(&text, &["zebra"], 40, 3)[0];
        assert!(
            s.text.starts_with("Nothing to see") && s.text.ends_with('…'),
            "{s:?}"
        );
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn match_at_the_end_keeps_context_before_it() {
        let s = snippet(TEXT, &["normal"], 80);
        assert!(s.text.ends_with("normal lives."), "{}", s.text);
        assert!(s.text.chars().count() > 50, "{}", s.text);
    }

    /// What the index records for `text`: the positions of the tokens
    /// whose stems are `terms`, numbered by term.
    fn index_positions(text: &str, terms: &HashSet<String>) -> Vec<(u32, usize)> {
        let ids: Vec<&String> = terms.iter().collect();
        let mut out = Vec::new();
        analyzer()
            .token_stream(text)
            .process(&mut |t: &tantivy::tokenizer::Token| {
                if let Some(id) = ids.iter().position(|term| **term == t.text) {
                    out.push((t.position as u32, id));
                }
            });
        out
    }

    /// A text of three stretches of filler with the words between them.
    fn long_text(repeat: usize) -> (String, String) {
        let filler = "Nothing to see in this sentence, état naïve 面肌 words. ".repeat(repeat);
        let text = format!(
            "{filler}Gout is treated with colchicine.\n\n{filler}Uric acid and colchicine \
             again, with a very-long-word-that-the-index-drops-because-it-is-long gout. {filler}\
             Last uric."
        );
        (filler, text)
    }

    /// The snippets of `text` located through what the index would record.
    fn located(
        text: &str,
        marks: &[u8],
        terms: &HashSet<String>,
        max: usize,
        count: usize,
    ) -> Vec<Snippet> {
        let positions = index_positions(text, terms);
        make_many_located(text, marks, &positions, &mut Marks::new(terms), max, count)
            .expect("the checkpoints fit")
    }

    #[test]
    fn located_snippets_match_those_read_from_the_whole_text() {
        // A long section (cut from stretches either way) and a medium one
        // (otherwise read whole).
        for repeat in [700, 15] {
            let (_, text) = long_text(repeat);
            let marks = checkpoints(&text).expect("a long text has checkpoints");
            assert!(marks.len() >= 4 * (count_tokens(&text) / CHECKPOINT_EVERY));
            let mut a = analyzer();
            for (words, count, max) in [
                (&["colchicine", "uric"][..], 3, 80),
                (&["gout"][..], 1, 160),
                (&["last"][..], 2, 40),
                (&["zebra"][..], 3, 60),
            ] {
                let terms: HashSet<String> = words.iter().flat_map(|w| terms(&mut a, w)).collect();
                let located = located(&text, &marks, &terms, max, count);
                let whole = make_many(&text, &mut Marks::new(&terms), max, count);
                // The same snippets, the best first; among clusters as good
                // as each other, the order may differ (token spans stand in
                // for character spans).
                assert_eq!(located.first(), whole.first(), "{repeat} {words:?}");
                let key = |s: &Vec<Snippet>| {
                    let mut texts: Vec<String> = s.iter().map(|s| format!("{s:?}")).collect();
                    texts.sort();
                    texts
                };
                assert_eq!(key(&located), key(&whole), "{repeat} {words:?}");
            }
        }
    }

    /// A long text of generated sentences: short and long words, list
    /// numbers, wide and multibyte characters, runs of white space and
    /// blank lines, so that every rule of `window` gets its turn.
    fn generated_text(rng: &mut impl rand::Rng, words: usize) -> String {
        const WORDS: &[&str] = &[
            "gout",
            "uric",
            "acid",
            "colchicine",
            "the",
            "a",
            "of",
            "nerve",
            "spasm",
            "électromyographie",
            "面肌痉挛",
            "x",
            "treatment",
            "5.",
            "e.g.",
            "Dr.",
            "and",
            "microvascular",
            "decompression",
            "is",
            "to",
        ];
        const GAPS: &[&str] = &[
            " ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\u{a0}", "   \n  ",
        ];
        let mut text = String::new();
        for i in 0..words {
            if i > 0 {
                text.push_str(GAPS[rng.random_range(0..GAPS.len())]);
            }
            text.push_str(WORDS[rng.random_range(0..WORDS.len())]);
            match rng.random_range(0..12) {
                0 => text.push('.'),
                1 => text.push(','),
                2 => text.push('?'),
                _ => {}
            }
        }
        text
    }

    #[test]
    fn stretches_cut_the_snippet_the_whole_text_gives() {
        // One marked word, once to three times among generated text: the
        // best cluster is its first occurrence whichever way spans are
        // counted, so the snippet cut from a stretch around it, found by
        // scanning or through the index, must be the one the whole text
        // gives, whatever the sentences, spaces and characters around it.
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let terms: HashSet<String> = ["zebra".to_string()].into();
        for round in 0..120 {
            let mut text = generated_text(&mut rng, 3200);
            for _ in 0..rng.random_range(1..4) {
                let mut at = rng.random_range(0..text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let at = word_boundary_before(&text, at);
                text.insert_str(at, "zebra ");
            }
            assert!(text.len() > LARGE_TEXT);
            let max = rng.random_range(10..300);
            let whole = cut(&text, (false, false), &mut Marks::new(&terms), max, 1);
            let stretched = make_many(&text, &mut Marks::new(&terms), max, 1);
            assert_eq!(stretched, whole, "round {round}, {max} chars");
            let marks = checkpoints(&text).expect("a long text has checkpoints");
            let located = make_many_located(
                &text,
                &marks,
                &index_positions(&text, &terms),
                &mut Marks::new(&terms),
                max,
                1,
            );
            assert_eq!(located, Some(whole), "round {round}, {max} chars");
        }
    }

    #[test]
    fn checkpoints_are_for_longer_texts_and_never_trusted_blindly() {
        let (filler, text) = long_text(100);
        assert_eq!(checkpoints(&filler[..LOCATED_TEXT - 100]), None);
        let marks = checkpoints(&text).unwrap();
        // Checkpoints that do not fit the text never make it panic.
        let shifted = format!("ab{text}");
        let terms: HashSet<String> = ["colchicin".to_string()].into();
        let positions = index_positions(&text, &terms);
        for cut in 1..4 {
            let _ = make_many_located(
                &shifted[cut..],
                &marks,
                &positions,
                &mut Marks::new(&terms),
                80,
                1,
            );
        }
        assert_eq!(
            make_many_located(
                &text[..100],
                &marks,
                &positions,
                &mut Marks::new(&terms),
                80,
                1
            ),
            None
        );
    }

    #[test]
    fn stretches_start_after_wide_white_space() {
        // No-break spaces (two bytes) where a stretch would start: a stretch
        // starts after the space, never inside it.
        for shift in 0..4 {
            let filler =
                format!("{}tree\u{a0}\u{a0}├──\u{a0}enable ", "x".repeat(shift)).repeat(900);
            let text = format!("{filler} sensor buffer {filler}");
            for count in [1, 3] {
                let s = snippet_many(&text, &["sensor"], 80, count);
                assert!(s[0].text.contains("sensor"), "{s:?}");
                let terms: HashSet<String> = ["sensor".to_string()].into();
                let marks = checkpoints(&text).unwrap();
                assert_eq!(located(&text, &marks, &terms, 80, count)[0], s[0]);
            }
        }
    }
}
