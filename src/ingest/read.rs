//! Reading an article file safely: binary and empty files refused, text
//! that is not UTF-8 decoded lossily (and said so), then split as its
//! extension says.

use std::fs;
use std::path::Path;

use super::article::Article;
use super::format::Format;
use super::splitter::Splitter;
use crate::error::{ArticleProblem, Error, Result};

/// An article file's text, and whether undecodable bytes were replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The text, with U+FFFD for every byte sequence that was not UTF-8.
    pub text: String,
    /// Whether the file was not valid UTF-8, so that bytes were replaced.
    pub lossy: bool,
}

/// Reads an article file and splits it as its extension says; also
/// returns whether its text had to be decoded lossily.
///
/// # Errors
///
/// [`Error::Article`] when the extension names no format quire reads, or
/// the file cannot be read, is binary or empty.
pub fn split_file(splitter: &Splitter, path: &Path) -> Result<(Article, bool)> {
    let format = Format::from_path(path).ok_or_else(|| Error::Article {
        path: path.to_path_buf(),
        problem: not_an_article(),
    })?;
    let Decoded { text, lossy } = read_article(path)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    Ok((splitter.split_as(format, &text, &name), lossy))
}

/// Reads an article file's text.
///
/// # Errors
///
/// [`Error::Article`] when the file cannot be read, is binary or empty.
pub fn read_article(path: &Path) -> Result<Decoded> {
    let article_error = |problem| Error::Article {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = fs::read(path).map_err(|e| article_error(ArticleProblem::Unreadable(e)))?;
    decode(bytes).map_err(article_error)
}

/// Text from a file's bytes: UTF-16 when a byte-order mark says so (as
/// Windows tools save HTML), else UTF-8; refused when binary or empty,
/// decoded lossily (and flagged) when not valid. [`read_article`] reads a
/// file through it; an app with articles from elsewhere calls it directly.
///
/// # Errors
///
/// [`ArticleProblem::Binary`] or [`ArticleProblem::Empty`].
pub fn decode(bytes: Vec<u8>) -> std::result::Result<Decoded, ArticleProblem> {
    if let Some(decoded) = decode_utf16(&bytes) {
        if decoded.text.trim().is_empty() {
            return Err(ArticleProblem::Empty);
        }
        return Ok(decoded);
    }
    if bytes.contains(&0) {
        return Err(ArticleProblem::Binary);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ArticleProblem::Empty);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Decoded { text, lossy: false },
        Err(err) => Decoded {
            text: String::from_utf8_lossy(err.as_bytes()).into_owned(),
            lossy: true,
        },
    })
}

/// The text of UTF-16 bytes that start with a byte-order mark (little or
/// big endian), the mark left out; `None` without one.
fn decode_utf16(bytes: &[u8]) -> Option<Decoded> {
    let unit: fn([u8; 2]) -> u16 = match bytes {
        [0xFF, 0xFE, ..] => u16::from_le_bytes,
        [0xFE, 0xFF, ..] => u16::from_be_bytes,
        _ => return None,
    };
    let body = &bytes[2..];
    let units = body.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut lossy = !body.len().is_multiple_of(2);
    let text = char::decode_utf16(units)
        .map(|c| {
            c.unwrap_or_else(|_| {
                lossy = true;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    Some(Decoded { text, lossy })
}

/// Why a file of another extension is not read.
pub(crate) fn not_an_article() -> ArticleProblem {
    ArticleProblem::NotAnArticle {
        reads: Format::describe_extensions(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(path: &Path) -> String {
        match read_article(path) {
            Err(Error::Article { problem, .. }) => problem.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn read_article_refuses_binary_and_empty_and_decodes_lossily() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin.txt");
        fs::write(&bin, b"abc\0def").unwrap();
        assert!(problem(&bin).contains("binary"));
        let empty = tmp.path().join("empty.txt");
        fs::write(&empty, " \n").unwrap();
        assert!(problem(&empty).contains("empty"));
        assert!(problem(&tmp.path().join("missing.txt")).starts_with("cannot be read: "));
        let latin1 = tmp.path().join("latin1.txt");
        fs::write(&latin1, b"Caf\xe9\n\nBody").unwrap();
        let Decoded { text, lossy } = read_article(&latin1).unwrap();
        assert!(lossy);
        assert!(text.starts_with("Caf\u{fffd}"));
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_text() {
        let page = "<title>Gout</title><h1>Gout</h1><p>Uric acid — crystals.</p>";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(page.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(page.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for bytes in [le, be] {
            assert!(bytes.contains(&0));
            let decoded = decode(bytes).unwrap();
            assert_eq!(decoded.text, page);
            assert!(!decoded.lossy);
        }
        // A lone surrogate is replaced, and said so; a mark alone is empty.
        let broken = decode(vec![0xFF, 0xFE, 0x00, 0xD8, b'a', 0]).unwrap();
        assert_eq!((broken.text.as_str(), broken.lossy), ("\u{fffd}a", true));
        assert!(matches!(
            decode(vec![0xFF, 0xFE]),
            Err(ArticleProblem::Empty)
        ));
        // Without a mark, NUL bytes still mean binary.
        assert!(matches!(
            decode(b"a\0b".to_vec()),
            Err(ArticleProblem::Binary)
        ));
    }

    #[test]
    fn other_extensions_are_not_articles() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("notes.rst");
        fs::write(&path, "Title\n\nText.").unwrap();
        let err = split_file(&Splitter::default(), &path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: not an article (quire reads .txt, .md, .markdown, .html, .htm)",
                path.display()
            )
        );
    }
}
