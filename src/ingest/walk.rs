//! Finding article files: folders walked (honouring `.gitignore` and
//! `.ignore`, skipping hidden entries and links to folders), files named
//! directly taken as they are, each given its article id.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use super::format::Format;
use super::read::not_an_article;
use crate::error::{Error, Result, one_line};

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
    /// The article id: the path relative to the folder the user gave, after
    /// the folder's name when several folders are given (for a
    /// file given by name, its file name), with `/` separators.
    pub id: String,
    /// How to read it.
    pub format: Format,
    /// The folder the id is relative to, made absolute when possible.
    pub root: PathBuf,
    /// Whether the file was named by the user rather than found in a folder.
    pub named: bool,
}

/// What [`find_articles`] found under the paths it was given.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Found {
    /// The article files, in the order of the paths given, each folder's
    /// files by path.
    pub files: Vec<ArticleFile>,
    /// Files that cannot be indexed (unreadable, not regular files, ids
    /// taken), and why.
    pub skipped: Vec<Notice>,
    /// Files in the folders walked that quire does not read (other
    /// extensions).
    pub ignored: Vec<PathBuf>,
}

/// Lists the article files under `paths`: folders are walked recursively,
/// honouring `.gitignore` and `.ignore` files and skipping hidden entries;
/// files named directly are taken as they are. See
/// [`IndexOptions`](crate::IndexOptions) to filter by glob.
///
/// # Errors
///
/// [`Error::MissingPath`] when a path does not exist.
pub fn find_articles(paths: &[PathBuf]) -> Result<Found> {
    find(paths, &[], &[])
}

/// [`find_articles`], reading only files that match one of `globs` (all
/// when empty) and none of `excludes` (gitignore syntax, relative to each
/// folder walked).
///
/// # Errors
///
/// [`Error::MissingPath`] when a path does not exist, [`Error::Pattern`]
/// for a bad glob.
pub(crate) fn find(paths: &[PathBuf], globs: &[String], excludes: &[String]) -> Result<Found> {
    for path in paths {
        if let Err(err) = fs::metadata(path) {
            // A link that leads nowhere (or round in a loop) is there, but
            // unreadable: say why, not that it does not exist.
            return Err(match fs::symlink_metadata(path) {
                Ok(_) => Error::io(err, path),
                Err(_) => Error::MissingPath(path.clone()),
            });
        }
    }
    let mut found = Found::default();
    for path in paths {
        if path.is_dir() {
            let first = found.files.len();
            walk(path, globs, excludes, &mut found)?;
            let prefix = id_prefix(paths, path);
            if !prefix.is_empty() {
                for file in &mut found.files[first..] {
                    file.id.insert_str(0, &prefix);
                }
            }
        } else if !path.is_file() {
            // A FIFO or a device would block or never end.
            found.skipped.push(Notice {
                path: path.clone(),
                message: "not a regular file".into(),
            });
        } else if let Some(format) = Format::from_path(path) {
            let id = path.file_name().map(id_part).unwrap_or_default();
            found.files.push(ArticleFile {
                path: path.clone(),
                id,
                format,
                root: id_root(path),
                named: true,
            });
        } else {
            found.skipped.push(Notice {
                path: path.clone(),
                message: not_an_article().to_string(),
            });
        }
    }
    // Two paths can give the same id (`a/x.txt` and `b/x.txt`): the first
    // keeps it; the others would silently replace it, so they are skipped.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let Found { files, skipped, .. } = &mut found;
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
    Ok(found)
}

fn walk(root: &Path, globs: &[String], excludes: &[String], found: &mut Found) -> Result<()> {
    let mut overrides = OverrideBuilder::new(root);
    let patterns = globs
        .iter()
        .map(|g| g.to_string())
        .chain(excludes.iter().map(|e| format!("!{e}")));
    for pattern in patterns {
        overrides
            .add(&pattern)
            .map_err(|e| Error::Pattern(one_line(&e.to_string())))?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| Error::Pattern(one_line(&e.to_string())))?;
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .ignore(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(false)
        .follow_links(false)
        .overrides(overrides)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    let root_abs = absolute(root);
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = match &err {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => root.to_path_buf(),
                };
                found.skipped.push(Notice {
                    path,
                    message: format!("cannot be read: {}", one_line(&err.to_string())),
                });
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let path = entry.into_path();
        if file_type.is_symlink() {
            // A link to a file is read as that file; links to folders are
            // not followed (no cycles); a dangling link is unreadable.
            match fs::metadata(&path) {
                Ok(meta) if meta.is_file() => {}
                Ok(_) => continue,
                Err(e) => {
                    if Format::from_path(&path).is_some() {
                        found.skipped.push(Notice {
                            path,
                            message: format!("cannot be read: {e}"),
                        });
                    }
                    continue;
                }
            }
        } else if !file_type.is_file() {
            continue;
        }
        let Some(format) = Format::from_path(&path) else {
            found.ignored.push(path);
            continue;
        };
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let id = rel
            .components()
            .map(|c| id_part(c.as_os_str()))
            .collect::<Vec<_>>()
            .join("/");
        found.files.push(ArticleFile {
            path,
            id,
            format,
            root: root_abs.clone(),
            named: false,
        });
    }
    Ok(())
}

/// A file or folder name as part of an article id: as it is when it is
/// UTF-8, else with each byte that is not written `%XX`, so that names that
/// differ only there (`dup\xff.txt`, `dup\xfe.txt`) keep ids of their own
/// instead of both becoming `dup�.txt`.
fn id_part(name: &std::ffi::OsStr) -> String {
    let bytes = name.as_encoded_bytes();
    let mut id = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        id.push_str(chunk.valid());
        for byte in chunk.invalid() {
            id.push_str(&format!("%{byte:02X}"));
        }
    }
    id
}

/// What the ids of the articles in the folder `folder`, one of `paths`,
/// start with: with several folders, the folder's name and `/`, so that
/// `site/en` and `site/de` may both have `index.html`; with one, nothing.
pub(crate) fn id_prefix(paths: &[PathBuf], folder: &Path) -> String {
    let several = paths.iter().filter(|p| p.is_dir()).count() > 1;
    match id_root(folder).file_name() {
        Some(name) if several && folder.is_dir() => format!("{}/", id_part(name)),
        _ => String::new(),
    }
}

/// `path` made absolute and canonical when it can be, else as it is.
/// The folder the ids of the articles under `path` are relative to: a
/// folder itself, a named file's parent; made absolute when possible.
pub(crate) fn id_root(path: &Path) -> PathBuf {
    let folder = if path.is_dir() {
        path
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    absolute(folder)
}

fn absolute(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
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
        fs::write(tmp.path().join("a/w.rst"), "T").unwrap();
        fs::write(tmp.path().join("a/.hidden.txt"), "T").unwrap();
        let found = find_articles(&[tmp.path().join("a")]).unwrap();
        let ids: Vec<&str> = found.files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["b/x.txt", "y.TXT", "z.md"]);
        assert_eq!(found.files[2].format, Format::Markdown);
        assert!(found.skipped.is_empty());
        assert_eq!(found.ignored, [tmp.path().join("a/w.rst")]);
        let files = find_articles(&[tmp.path().join("a/b/x.txt")])
            .unwrap()
            .files;
        assert_eq!(files[0].id, "x.txt");
        assert!(files[0].named);
    }

    #[test]
    fn ignore_files_and_globs_filter_the_walk() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("docs");
        for f in [
            "a.html",
            "b.md",
            "_sources/a.txt",
            "drafts/c.md",
            "keep/d.html",
        ] {
            let path = root.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        fs::write(root.join(".gitignore"), "drafts/\n").unwrap();
        let ids = |globs: &[&str], excludes: &[&str]| {
            let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            find(
                std::slice::from_ref(&root),
                &strings(globs),
                &strings(excludes),
            )
            .unwrap()
            .files
            .into_iter()
            .map(|f| f.id)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&[], &[]),
            ["_sources/a.txt", "a.html", "b.md", "keep/d.html"]
        );
        assert_eq!(ids(&["*.html"], &["keep"]), ["a.html"]);
        let err = find(std::slice::from_ref(&root), &["a[".into()], &[]).unwrap_err();
        assert!(matches!(err, Error::Pattern(_)), "{err}");
    }

    #[test]
    fn several_folders_prefix_their_ids_and_the_same_id_twice_keeps_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["en", "de", "old/de"] {
            fs::create_dir_all(tmp.path().join(d)).unwrap();
            fs::write(tmp.path().join(d).join("x.txt"), "T\n\nBody.").unwrap();
        }
        let paths = [
            tmp.path().join("en"),
            tmp.path().join("de"),
            tmp.path().join("old/de"),
        ];
        let found = find_articles(&paths).unwrap();
        let ids: Vec<&str> = found.files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["en/x.txt", "de/x.txt"]);
        // Two folders of one name give one id twice: the first keeps it.
        assert_eq!(found.skipped.len(), 1);
        assert!(found.skipped[0].message.contains("already taken"));
        // One folder alone: ids as they always were.
        let alone = find_articles(&paths[..1]).unwrap();
        assert_eq!(alone.files[0].id, "x.txt");
    }

    #[test]
    fn missing_paths_are_an_error() {
        let err = find_articles(&[PathBuf::from("no/such/dir")]).unwrap_err();
        assert!(matches!(err, Error::MissingPath(_)));
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_keep_ids_of_their_own() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a");
        fs::create_dir(&dir).unwrap();
        for name in [&b"dup\xff.txt"[..], b"dup\xfe.txt", b"caf\xc3\xa9.txt"] {
            let path = dir.join(std::ffi::OsStr::from_bytes(name));
            fs::write(path, "T\n\nBody.").unwrap();
        }
        let found = find_articles(std::slice::from_ref(&dir)).unwrap();
        let ids: Vec<&str> = found.files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["café.txt", "dup%FE.txt", "dup%FF.txt"]);
        assert!(found.skipped.is_empty(), "{:?}", found.skipped);
        let named = dir.join(std::ffi::OsStr::from_bytes(b"dup\xff.txt"));
        let found = find_articles(&[named]).unwrap();
        assert_eq!(found.files[0].id, "dup%FF.txt");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_loop_named_directly_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a.txt"), tmp.path().join("b.txt"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let err = find_articles(std::slice::from_ref(&a)).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("symbolic links"), "{message}");
        assert!(!message.contains("does not exist"), "{message}");
    }
}
