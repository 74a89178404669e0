//! The layout's rules, checked on the source as rust-analyzer's tidy tests
//! check theirs (ARCHITECTURE.md says why each holds):
//!
//! - the library's top-level modules are stages in [`LIBRARY`] order, and
//!   a module imports only from its own stage or the stages above it;
//! - no module imports from the crate root: an item is named by the module
//!   that defines it (lib.rs only re-exports);
//! - the modules import each other without a cycle;
//! - a folder's `mod.rs`, and lib.rs, hold only docs, attributes, module
//!   declarations and re-exports;
//! - the library names none of the binary's dependencies;
//! - the same order rule for the binary's modules ([`BINARY`]), which reach
//!   the library only as `quire::`.
//!
//! Unit tests (`#[cfg(test)] mod tests`, last in their file) may use the
//! whole crate and are not read. Run it alone: `cargo test --test layout`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's stages, top first.
const LIBRARY: &[&str] = &[
    "error", "analysis", "ingest", "embed", "store", "search", "export", "output", "index",
];

/// The binary's modules, top first (main.rs is below them all).
const BINARY: &[&str] = &["serve", "cli"];

/// Crates only the binary depends on (the `cli` feature).
const BINARY_CRATES: &[&str] = &[
    "anyhow",
    "axum",
    "clap",
    "hyper",
    "hyper_util",
    "indicatif",
    "mimalloc",
    "tokio",
];

/// A module: its path from the crate root (empty for the root) and file.
#[derive(Debug)]
struct Module {
    file: PathBuf,
    /// The source without comments and without its unit tests.
    code: String,
    /// The names of its child modules.
    children: BTreeSet<String>,
}

type Tree = BTreeMap<Vec<String>, Module>;

/// Every module reachable from the root file by `mod` declarations.
fn modules(root: &Path) -> Tree {
    let mut tree = Tree::new();
    let mut todo = vec![(Vec::new(), root.to_path_buf())];
    while let Some((path, file)) = todo.pop() {
        let source =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let code = strip(&source);
        let children = declared_modules(&code);
        // `a.rs` and `a/mod.rs` keep their children in `a/`; the root's
        // are beside it.
        let is_folder_root = path.is_empty() || file.file_name().is_some_and(|n| n == "mod.rs");
        let dir = if is_folder_root {
            file.parent().unwrap().to_path_buf()
        } else {
            file.with_extension("")
        };
        for child in &children {
            let mut child_path = path.clone();
            child_path.push(child.clone());
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(child).join("mod.rs");
            let child_file = if flat.exists() { flat } else { nested };
            todo.push((child_path, child_file));
        }
        tree.insert(
            path,
            Module {
                file,
                code,
                children,
            },
        );
    }
    tree
}

/// `source` without comments, and without a trailing `#[cfg(test)]` module.
fn strip(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    let (mut in_string, mut block_comments) = (false, 0usize);
    while let Some(c) = chars.next() {
        if block_comments > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block_comments -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                block_comments += 1;
            }
            continue;
        }
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                block_comments = 1;
            }
            '"' => {
                in_string = true;
                out.push(c);
            }
            // A char literal holding a quote must not open a string.
            '\'' if chars.peek() == Some(&'"') => {
                out.push(c);
                out.extend(chars.next());
            }
            _ => out.push(c),
        }
    }
    out
}

/// The modules a file declares (`mod x;`, with any visibility).
fn declared_modules(code: &str) -> BTreeSet<String> {
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub(crate) mod ")
                .or_else(|| line.strip_prefix("pub mod "))
                .or_else(|| line.strip_prefix("mod "))?;
            rest.strip_suffix(';').map(|name| name.trim().to_string())
        })
        .collect()
}

/// Every path a module's code names that starts with `crate`, `super` or
/// `self`, as segments: `use` trees expanded, and paths in code.
fn named_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let tokens = tokens(code);
    let mut i = 0;
    while i < tokens.len() {
        let at_use = tokens[i] == "use" && (i == 0 || tokens[i - 1] != "::");
        if at_use {
            let end = tokens[i..]
                .iter()
                .position(|t| t == ";")
                .map_or(tokens.len(), |n| i + n);
            expand_use(&tokens[i + 1..end], &[], &mut paths);
            i = end;
            continue;
        }
        let starts_path = matches!(tokens[i].as_str(), "crate" | "super" | "self")
            && (i == 0 || tokens[i - 1] != "::");
        if starts_path {
            let mut path = vec![tokens[i].clone()];
            let mut j = i + 1;
            while j + 1 < tokens.len() && tokens[j] == "::" && is_ident(&tokens[j + 1]) {
                path.push(tokens[j + 1].clone());
                j += 2;
            }
            if path.len() > 1 {
                paths.push(path);
            }
            i = j;
            continue;
        }
        i += 1;
    }
    paths
}

fn is_ident(token: &str) -> bool {
    token.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Identifiers, `::` and single punctuation marks; string literals become
/// one token each.
fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_alphanumeric() || c == '_' {
            let mut ident = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_') {
                ident.push(c);
                chars.next();
            }
            out.push(ident);
        } else if c == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => {}
                }
            }
            out.push("\"\"".into());
        } else if c == ':' {
            chars.next();
            if chars.peek() == Some(&':') {
                chars.next();
                out.push("::".into());
            } else {
                out.push(":".into());
            }
        } else {
            chars.next();
            out.push(c.to_string());
        }
    }
    out
}

/// Expands one `use` tree (its tokens, after `use`) under `prefix`.
fn expand_use(tokens: &[String], prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "::" => i += 1,
            "{" => {
                // Split the group at its top-level commas.
                let mut depth = 0;
                let mut start = i + 1;
                for j in i + 1..tokens.len() {
                    match tokens[j].as_str() {
                        "{" => depth += 1,
                        "}" if depth == 0 => {
                            expand_use(&tokens[start..j], &path, out);
                            return;
                        }
                        "}" => depth -= 1,
                        "," if depth == 0 => {
                            expand_use(&tokens[start..j], &path, out);
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            "as" | "*" => break,
            // `use super::tokens::{self, X}`: `self` names the prefix.
            "self" if !path.is_empty() => i += 1,
            word if is_ident(word) => {
                path.push(word.to_string());
                i += 1;
            }
            _ => i += 1,
        }
    }
    let first = path.first().map(String::as_str);
    if matches!(first, Some("crate" | "super" | "self")) && path.len() > 1 {
        out.push(path);
    }
}

/// The module a path from `from` leads to: the deepest module it names.
fn resolve(tree: &Tree, from: &[String], path: &[String]) -> Vec<String> {
    let (mut at, rest) = match path[0].as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (from.to_vec(), &path[1..]),
        _ => {
            // Any number of `super`s.
            let mut at = from.to_vec();
            let supers = path.iter().take_while(|s| *s == "super").count();
            for _ in 0..supers {
                at.pop();
            }
            (at, &path[supers..])
        }
    };
    for segment in rest {
        match tree.get(&at) {
            Some(module) if module.children.contains(segment) => at.push(segment.clone()),
            _ => break,
        }
    }
    at
}

/// The import edges between modules: from each module to each other
/// module it names, with the path that names it.
fn edges(tree: &Tree) -> BTreeMap<(Vec<String>, Vec<String>), String> {
    let mut edges = BTreeMap::new();
    for (from, module) in tree {
        for path in named_paths(&module.code) {
            let to = resolve(tree, from, &path);
            if &to != from {
                edges.entry((from.clone(), to)).or_insert(path.join("::"));
            }
        }
    }
    edges
}

/// A cycle among the edges, as the modules around it, if there is one.
fn cycle(edges: &[(Vec<String>, Vec<String>)]) -> Option<Vec<Vec<String>>> {
    let mut next: BTreeMap<&Vec<String>, Vec<&Vec<String>>> = BTreeMap::new();
    for (from, to) in edges {
        next.entry(from).or_default().push(to);
    }
    // Depth-first, keeping the path walked: a node met again on it closes
    // a cycle.
    let mut done: BTreeSet<&Vec<String>> = BTreeSet::new();
    for &start in next.keys() {
        let mut path: Vec<&Vec<String>> = Vec::new();
        let mut stack: Vec<(&Vec<String>, usize)> = vec![(start, 0)];
        while let Some((node, child)) = stack.pop() {
            if child == 0 {
                if let Some(at) = path.iter().position(|n| *n == node) {
                    let mut found: Vec<Vec<String>> =
                        path[at..].iter().map(|n| (*n).clone()).collect();
                    found.push(node.clone());
                    return Some(found);
                }
                if done.contains(node) {
                    continue;
                }
                path.push(node);
            }
            let children = next.get(node).map_or(&[][..], Vec::as_slice);
            if child < children.len() {
                stack.push((node, child + 1));
                stack.push((children[child], 0));
            } else {
                path.pop();
                done.insert(node);
            }
        }
    }
    None
}

fn name(path: &[String]) -> String {
    if path.is_empty() {
        "the crate root".into()
    } else {
        path.join("::")
    }
}

/// Every breach of the rules in the crate rooted at `root`, whose stages
/// go in `order`.
fn breaches(root: &Path, order: &[&str], library: bool) -> Vec<String> {
    let tree = modules(root);
    let stage = |path: &[String]| {
        path.first()
            .and_then(|first| order.iter().position(|s| s == first))
    };
    let mut found = Vec::new();
    for (path, module) in &tree {
        if !path.is_empty() && stage(path).is_none() {
            found.push(format!(
                "{}: stage `{}` is not in the list of stages (tests/layout.rs)",
                module.file.display(),
                path[0]
            ));
        }
        let is_mod_rs = module.file.file_name().is_some_and(|n| n == "mod.rs");
        if (is_mod_rs || (library && path.is_empty()))
            && let Some(line) = code_line(&module.code)
        {
            found.push(format!(
                "{}: a mod.rs or lib.rs holds only docs, `mod` and `pub use`, not `{line}`",
                module.file.display()
            ));
        }
        if library {
            for krate in BINARY_CRATES {
                if tokens(&module.code).iter().any(|t| t == krate) {
                    found.push(format!(
                        "{}: the library names `{krate}`, a dependency of the binary only",
                        module.file.display()
                    ));
                }
            }
        }
    }
    let edges = edges(&tree);
    for ((from, to), named) in &edges {
        let file = tree[from].file.display();
        if to.is_empty() && !from.is_empty() {
            found.push(format!(
                "{file}: `{named}` goes through the crate root: name the module that defines it"
            ));
        } else if let (Some(f), Some(t)) = (stage(from), stage(to))
            && t > f
        {
            found.push(format!(
                "{file}: `{named}` imports `{}`, a stage below `{}`",
                to[0], from[0]
            ));
        }
    }
    let pairs: Vec<(Vec<String>, Vec<String>)> = edges
        .keys()
        .filter(|(from, to)| !from.is_empty() && !to.is_empty())
        .cloned()
        .collect();
    if let Some(cycle) = cycle(&pairs) {
        let names: Vec<String> = cycle.iter().map(|m| name(m)).collect();
        found.push(format!(
            "modules import each other in a cycle: {}",
            names.join(" → ")
        ));
    }
    found
}

/// The first line of `code` that is not a module declaration, a
/// re-export, an attribute or blank.
fn code_line(code: &str) -> Option<String> {
    let mut in_use = false;
    for line in code.lines().map(str::trim) {
        if in_use {
            in_use = !line.ends_with(';');
            continue;
        }
        let allowed = line.is_empty()
            || line.starts_with("#[")
            || line.starts_with("#![")
            || declared_modules(line).len() == 1
            || line.starts_with("pub use ")
            || line.starts_with("pub(crate) use ");
        if !allowed {
            return Some(line.to_string());
        }
        in_use = line.contains(" use ") || line.starts_with("pub use ");
        in_use &= !line.ends_with(';');
    }
    None
}

#[test]
fn library_stages_import_only_from_above() {
    let found = breaches(Path::new("src/lib.rs"), LIBRARY, true);
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

#[test]
fn binary_modules_import_only_from_above() {
    let found = breaches(Path::new("src/main.rs"), BINARY, false);
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

#[test]
fn every_stage_is_a_module_of_the_library() {
    let tree = modules(Path::new("src/lib.rs"));
    // The checker sees the imports: every stage below the first two names
    // one above it.
    let edges = edges(&tree);
    for stage in &LIBRARY[2..] {
        assert!(
            edges
                .keys()
                .any(|(from, to)| from.first().is_some_and(|f| f == stage)
                    && to.first().is_some_and(|t| t != stage)),
            "no import seen from `{stage}`"
        );
    }
    let top: Vec<&str> = tree
        .keys()
        .filter(|p| p.len() == 1)
        .map(|p| p[0].as_str())
        .collect();
    let mut expected = LIBRARY.to_vec();
    expected.sort_unstable();
    assert_eq!(top, expected);
}

// The checker itself, on small made-up sources: each rule must be able to
// fail.

fn strings(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

#[test]
fn use_trees_are_expanded_and_comments_ignored() {
    let code = strip(
        "use crate::a::{b, c::{self, D}, e as f};\n\
         use super::x::*; // use crate::not::this;\n\
         /* crate::nor::this */ let s = \"crate::nor::that\";\n\
         fn g() { crate::h::i(); }\n\
         #[cfg(test)]\nmod tests { use crate::later; }\n",
    );
    let paths = named_paths(&code);
    assert_eq!(
        paths,
        [
            strings(&["crate", "a", "b"]),
            strings(&["crate", "a", "c"]),
            strings(&["crate", "a", "c", "D"]),
            strings(&["crate", "a", "e"]),
            strings(&["super", "x"]),
            strings(&["crate", "h", "i"]),
        ]
    );
}

#[test]
fn cycles_are_found_and_their_absence_too() {
    let m = |s: &str| strings(&s.split('/').collect::<Vec<_>>());
    let chain = [(m("a"), m("b/c")), (m("b/c"), m("b/d")), (m("a"), m("b/d"))];
    assert_eq!(cycle(&chain), None);
    let mut looped = chain.to_vec();
    looped.push((m("b/d"), m("a")));
    let found = cycle(&looped).expect("a cycle");
    assert_eq!(found.first(), found.last());
    assert!(found.len() >= 3, "{found:?}");
}

#[test]
fn an_import_from_below_or_through_the_root_is_a_breach() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod top;\nmod low;\npub use low::Thing;\n");
    write("top/mod.rs", "pub(crate) mod one;\npub(crate) mod two;\n");
    write("top/one.rs", "use super::two::X;\n");
    write(
        "top/two.rs",
        "pub struct X;\nfn f() { let _ = super::one::Y; }\n",
    );
    write("low.rs", "use crate::top::one;\npub struct Thing;\n");
    let order = ["top", "low"];
    assert!(
        breaches(&dir.path().join("lib.rs"), &order, true)
            .iter()
            .any(|b| b.contains("cycle"))
    );
    write("top/two.rs", "pub struct X;\n");
    assert!(breaches(&dir.path().join("lib.rs"), &order, true).is_empty());
    write("top/one.rs", "use super::two::X;\nuse crate::low::Thing;\n");
    let found = breaches(&dir.path().join("lib.rs"), &order, true);
    assert!(
        found.iter().any(|b| b.contains("a stage below")),
        "{found:?}"
    );
    write("top/one.rs", "use crate::Thing;\n");
    let found = breaches(&dir.path().join("lib.rs"), &order, true);
    assert!(found.iter().any(|b| b.contains("crate root")), "{found:?}");
    write("top/one.rs", "fn f() -> anyhow::Result<()> { Ok(()) }\n");
    let found = breaches(&dir.path().join("lib.rs"), &order, true);
    assert!(found.iter().any(|b| b.contains("`anyhow`")), "{found:?}");
    write("top/one.rs", "\n");
    write(
        "top/mod.rs",
        "pub(crate) mod one;\npub(crate) mod two;\nfn helper() {}\n",
    );
    let found = breaches(&dir.path().join("lib.rs"), &order, true);
    assert!(found.iter().any(|b| b.contains("fn helper")), "{found:?}");
}
