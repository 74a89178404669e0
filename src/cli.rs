//! The command line: arguments as clap reads them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Section-level full-text search over articles.
///
/// Index a folder of articles, then search it: every hit is one section of
/// an article, labelled with its heading path and shown with a snippet.
#[derive(Parser, Debug)]
#[command(name = "quire", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Split articles into sections and add them to the index.
    ///
    /// Each article replaces whatever was indexed under its id (its path
    /// relative to the folder given), so running it again never duplicates.
    Index {
        /// Files or folders of .txt articles.
        #[arg(default_value = "corpus")]
        paths: Vec<PathBuf>,
        /// The index folder.
        #[arg(long, short, default_value = "index", value_name = "DIR")]
        index: PathBuf,
        /// Empty the index first (also rebuilds one made by an incompatible
        /// version of quire).
        #[arg(long)]
        rebuild: bool,
        /// Fail, committing nothing, when a file cannot be indexed whole.
        #[arg(long)]
        strict: bool,
        /// A TOML file of splitting rules to add to the built-in ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Search the index; exits 0 with hits, 1 with none, 2 on error.
    Search {
        /// The index folder. When it does not exist and ./corpus does, it is
        /// built from ./corpus first.
        #[arg(long, short, default_value = "index", value_name = "DIR")]
        index: PathBuf,
        /// The most hits to show.
        #[arg(long, short = 'n', default_value = "10", value_name = "N",
              allow_hyphen_values = true, value_parser = at_least_one)]
        limit: usize,
        /// The longest snippet, in characters.
        #[arg(long, default_value = "160", value_name = "N",
              allow_hyphen_values = true, value_parser = at_least_one)]
        snippet_chars: usize,
        /// Print one JSON object (also when nothing matched).
        #[arg(long)]
        json: bool,
        /// When to mark matches in colour.
        #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
        color: Color,
        /// The query; its words are joined with spaces.
        #[arg(required = true, allow_hyphen_values = true, value_name = "QUERY")]
        query: Vec<String>,
    },
    /// Show how articles split into sections, without indexing.
    Split {
        /// Article files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print a JSON array of articles.
        #[arg(long)]
        json: bool,
        /// A TOML file of splitting rules to add to the built-in ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

fn at_least_one(value: &str) -> Result<usize, String> {
    match value.trim().parse::<i128>() {
        Ok(n) if n >= 1 => usize::try_from(n).map_err(|_| format!("{n} is too large")),
        Ok(n) => Err(format!("must be at least 1, not {n}")),
        Err(_) => Err(format!("must be a whole number, not '{value}'")),
    }
}
