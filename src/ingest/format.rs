//! Which reader a file needs, by its extension, and the version of what
//! the readers make.

use std::path::Path;

/// The version of the readers' output. Bump it whenever a reader (the
/// plain-text splitter, `markdown.rs`, `html.rs`, `outline.rs`) changes the
/// sections it makes from the same input: every article's stamp holds it,
/// so the next `quire index` splits every article again, even those whose
/// file did not change.
pub(crate) const READER_VERSION: u64 = 4;

/// The article formats quire reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text (`.txt`), split by the shape of its lines.
    Text,
    /// CommonMark with GitHub's extensions (`.md`, `.markdown`).
    Markdown,
    /// HTML (`.html`, `.htm`).
    Html,
}

impl Format {
    /// Every format and its extensions, lower case, without the dot.
    pub const EXTENSIONS: &[(Format, &[&str])] = &[
        (Format::Text, &["txt"]),
        (Format::Markdown, &["md", "markdown"]),
        (Format::Html, &["html", "htm"]),
    ];

    /// The format a file's extension names (any case), if quire reads it.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        Format::EXTENSIONS
            .iter()
            .find(|(_, exts)| exts.iter().any(|e| e.eq_ignore_ascii_case(ext)))
            .map(|(format, _)| *format)
    }

    /// The extensions quire reads, as `.txt, .md, ...`, for messages.
    pub fn describe_extensions() -> String {
        Format::EXTENSIONS
            .iter()
            .flat_map(|(_, exts)| exts.iter().map(|e| format!(".{e}")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::splitter::Splitter;

    /// The readers' output on the fixtures, hashed, and the
    /// [`READER_VERSION`] it was recorded under.
    const RECORDED: (u64, u64) = (4, 0x51fd088e65cdedc4);

    #[test]
    fn a_change_in_the_readers_output_bumps_the_reader_version() {
        let inputs = [
            (
                Format::Text,
                include_str!("../../corpus/facial-twitching.txt"),
            ),
            (
                Format::Text,
                include_str!("../../tests/fixtures/articles/gout.txt"),
            ),
            (
                Format::Text,
                include_str!("../../tests/fixtures/articles/vertigo.txt"),
            ),
            (
                Format::Markdown,
                include_str!("../../tests/fixtures/formats/asthma.md"),
            ),
            (
                Format::Html,
                include_str!("../../tests/fixtures/formats/html/migraine.html"),
            ),
        ];
        let splitter = Splitter::default();
        let mut output = String::new();
        for (format, text) in inputs {
            let article = splitter.split_as(format, text, "name");
            output.push_str(&serde_json::to_string(&article).unwrap());
        }
        let hash = xxhash_rust::xxh3::xxh3_64(output.as_bytes());
        assert_eq!(
            (READER_VERSION, hash),
            RECORDED,
            "the readers' output on the fixtures changed: bump READER_VERSION, so that \
             indexes split every article again, and record ({}, {hash:#x}) in RECORDED",
            READER_VERSION + 1
        );
    }

    #[test]
    fn extensions_pick_the_format() {
        assert_eq!(Format::from_path(Path::new("a/b.TXT")), Some(Format::Text));
        assert_eq!(
            Format::from_path(Path::new("b.markdown")),
            Some(Format::Markdown)
        );
        assert_eq!(Format::from_path(Path::new("b.htm")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("b.rst")), None);
        assert_eq!(Format::from_path(Path::new("README")), None);
        assert_eq!(
            Format::describe_extensions(),
            ".txt, .md, .markdown, .html, .htm"
        );
    }
}
