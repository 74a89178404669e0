//! From paths on disk to a committed index: finding article files, reading
//! them safely, splitting them and handing the sections to a [`Writer`].
//!
//! Files that cannot be indexed (binary, empty, unreadable, no text) are
//! skipped with a notice and the rest goes on; with `strict`, the first such
//! file fails the run before anything is committed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::article::Splitter;
use crate::error::{Error, Result};
use crate::index::{Index, Writer};
use crate::rules::Rules;

/// The file extensions read as plain-text articles.
pub const TEXT_EXTENSIONS: &[&str] = &["txt"];

/// How [`build_index`] works.
#[derive(Clone, Debug, Default)]
pub struct IndexOptions {
    /// The splitting rules.
    pub rules: Rules,
    /// Start from an empty index instead of updating the one there.
    pub rebuild: bool,
    /// Fail, committing nothing, on the first file that cannot be indexed
    /// whole instead of skipping it with a notice.
    pub strict: bool,
}

/// What a [`build_index`] run did.
#[derive(Clone, Debug, Default)]
pub struct IndexReport {
    /// Articles indexed (added or replaced).
    pub articles: usize,
    /// Sections indexed.
    pub sections: usize,
    /// Files that were not indexed, and why.
    pub skipped: Vec<Notice>,
    /// Files that were indexed with a caveat (such as lossy decoding).
    pub warnings: Vec<Notice>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Something to tell the user about one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The file concerned.
    pub path: PathBuf,
    /// What happened, in a few words.
    pub message: String,
}

/// An article file found on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleFile {
    /// The file's path, as reached from the path the user gave.
    pub path: PathBuf,
    /// The article id: the path relative to the folder the user gave (for a
    /// file given by name, its file name), with `/` separators.
    pub id: String,
}

/// Indexes the articles under `paths` into the index in `dir`, creating it
/// if needed, and commits once at the end.
///
/// Each article replaces whatever was indexed under its id before, so
/// running it again on the same files never duplicates a section.
///
/// # Errors
///
/// [`Error::MissingPath`] when a path does not exist (checked before the
/// index is touched), [`Error::Strict`] under `strict`, the errors of
/// [`Index::open_or_create`] and [`Index::writer`]. On error nothing is
/// committed and the index stays as it was.
pub fn build_index(
    dir: impl AsRef<Path>,
    paths: &[PathBuf],
    options: &IndexOptions,
) -> Result<IndexReport> {
    let start = Instant::now();
    let mut report = IndexReport::default();
    let files = find_articles(paths, &mut report.skipped)?;
    fail_if_strict(options, &report.skipped)?;

    let index = Index::open_or_create(dir, options.rebuild)?;
    let mut writer = index.writer_with_threads(indexing_threads(&files))?;
    if options.rebuild {
        writer.delete_all()?;
    }
    let splitter = Splitter::new(options.rules.clone());
    for file in &files {
        index_file(&mut writer, &splitter, file, options, &mut report)?;
    }
    writer.commit()?;
    report.elapsed = start.elapsed();
    Ok(report)
}

/// One indexing thread per [`BYTES_PER_THREAD`] of input, up to the number
/// of cores.
fn indexing_threads(files: &[ArticleFile]) -> usize {
    let bytes: u64 = files
        .iter()
        .filter_map(|f| fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    usize::try_from(bytes / BYTES_PER_THREAD + 1).map_or(cores, |n| n.min(cores))
}

/// Input below this size is indexed by one thread.
const BYTES_PER_THREAD: u64 = 8 * 1024 * 1024;

fn index_file(
    writer: &mut Writer,
    splitter: &Splitter,
    file: &ArticleFile,
    options: &IndexOptions,
    report: &mut IndexReport,
) -> Result<()> {
    let notice = |message: &str| Notice {
        path: file.path.clone(),
        message: message.to_string(),
    };
    let text = match read_article(&file.path) {
        Ok((text, lossy)) => {
            if lossy {
                report
                    .warnings
                    .push(notice("not valid UTF-8; undecodable bytes were replaced"));
                fail_if_strict(options, &report.warnings)?;
            }
            text
        }
        Err(message) => {
            report.skipped.push(notice(&message));
            return fail_if_strict(options, &report.skipped);
        }
    };
    let article = splitter.split(&text);
    if article.sections.is_empty() {
        report.skipped.push(notice("no text to index"));
        return fail_if_strict(options, &report.skipped);
    }
    let source = file.path.to_string_lossy();
    report.sections += writer.add_article(&file.id, &source, &article)?;
    report.articles += 1;
    Ok(())
}

fn fail_if_strict(options: &IndexOptions, notices: &[Notice]) -> Result<()> {
    match notices.first() {
        Some(n) if options.strict => Err(Error::Strict {
            path: n.path.clone(),
            reason: n.message.clone(),
        }),
        _ => Ok(()),
    }
}

/// Reads an article file. Returns its text and whether it had to be decoded
/// lossily, or why it cannot be indexed.
pub fn read_article(path: &Path) -> std::result::Result<(String, bool), String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.contains(&0) {
        return Err("binary file (it contains NUL bytes)".into());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("empty file".into());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, false)),
        Err(err) => Ok((String::from_utf8_lossy(err.as_bytes()).into_owned(), true)),
    }
}

/// Lists the article files under `paths`, sorted within each folder, with
/// their ids. Hidden files and folders are passed over; so are files of
/// other types inside folders. A file named directly with another
/// extension, or a folder that cannot be read, is noted in `skipped`.
///
/// # Errors
///
/// [`Error::MissingPath`] when a path does not exist.
pub fn find_articles(paths: &[PathBuf], skipped: &mut Vec<Notice>) -> Result<Vec<ArticleFile>> {
    if let Some(missing) = paths.iter().find(|p| fs::metadata(p).is_err()) {
        return Err(Error::MissingPath(missing.clone()));
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, path, &mut files, skipped);
        } else if is_article(path) {
            let id = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(ArticleFile {
                path: path.clone(),
                id,
            });
        } else {
            skipped.push(Notice {
                path: path.clone(),
                message: format!(
                    "not an article (quire reads .{})",
                    TEXT_EXTENSIONS.join(", .")
                ),
            });
        }
    }
    // Two paths can give the same id (`a/x.txt` and `b/x.txt`): the first
    // keeps it, the others would silently replace it, so they are skipped.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    files.retain(|f| match seen.get(&f.id) {
        Some(first) => {
            skipped.push(Notice {
                path: f.path.clone(),
                message: format!(
                    "article id '{}' is already taken by {}",
                    f.id,
                    first.display()
                ),
            });
            false
        }
        None => {
            seen.insert(f.id.clone(), f.path.clone());
            true
        }
    });
    Ok(files)
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<ArticleFile>, skipped: &mut Vec<Notice>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            skipped.push(Notice {
                path: dir.to_path_buf(),
                message: format!("folder cannot be read: {e}"),
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        // Symlinked folders are not followed, so a link loop cannot trap
        // the walk.
        let is_link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if path.is_dir() {
            if !is_link {
                walk(root, &path, files, skipped);
            }
        } else if is_article(&path) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let id = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push(ArticleFile { path, id });
        }
    }
}

fn is_article(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| TEXT_EXTENSIONS.iter().any(|t| t.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_relative_to_the_given_folder() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("a/b")).unwrap();
        fs::write(tmp.path().join("a/b/x.txt"), "T\n\nBody.").unwrap();
        fs::write(tmp.path().join("a/y.TXT"), "T\n\nBody.").unwrap();
        fs::write(tmp.path().join("a/z.md"), "# T").unwrap();
        fs::write(tmp.path().join("a/.hidden.txt"), "T").unwrap();
        let mut skipped = vec![];
        let files = find_articles(&[tmp.path().join("a")], &mut skipped).unwrap();
        let ids: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["b/x.txt", "y.TXT"]);
        assert!(skipped.is_empty());
        let files = find_articles(&[tmp.path().join("a/b/x.txt")], &mut skipped).unwrap();
        assert_eq!(files[0].id, "x.txt");
    }

    #[test]
    fn same_id_twice_keeps_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["a", "b"] {
            fs::create_dir_all(tmp.path().join(d)).unwrap();
            fs::write(tmp.path().join(d).join("x.txt"), "T\n\nBody.").unwrap();
        }
        let mut skipped = vec![];
        let paths = [tmp.path().join("a"), tmp.path().join("b")];
        let files = find_articles(&paths, &mut skipped).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].message.contains("already taken"));
    }

    #[test]
    fn missing_paths_are_an_error() {
        let err = find_articles(&[PathBuf::from("no/such/dir")], &mut vec![]).unwrap_err();
        assert!(matches!(err, Error::MissingPath(_)));
    }

    #[test]
    fn read_article_refuses_binary_and_empty_and_decodes_lossily() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin.txt");
        fs::write(&bin, b"abc\0def").unwrap();
        assert!(read_article(&bin).unwrap_err().contains("binary"));
        let empty = tmp.path().join("empty.txt");
        fs::write(&empty, " \n").unwrap();
        assert!(read_article(&empty).unwrap_err().contains("empty"));
        let latin1 = tmp.path().join("latin1.txt");
        fs::write(&latin1, b"Caf\xe9\n\nBody").unwrap();
        let (text, lossy) = read_article(&latin1).unwrap();
        assert!(lossy);
        assert!(text.starts_with("Caf\u{fffd}"));
    }
}
