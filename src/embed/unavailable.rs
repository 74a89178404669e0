//! The model of a build without the `model` feature: none can be loaded,
//! so that an index with vectors is searched by its words alone and
//! `--model` says what is missing.

use std::path::Path;

use super::identity::ModelIdentity;
use crate::error::{Error, Result};

/// A model this build cannot load: no value of it exists.
pub enum Model {}

impl Model {
    /// Always [`Error::NoModelSupport`].
    pub fn load(_dir: impl AsRef<Path>) -> Result<Model> {
        Err(Error::NoModelSupport)
    }

    /// Always [`Error::NoModelSupport`].
    pub(crate) fn load_as(_: &ModelIdentity, _: &Path, _: &Path) -> Result<Model> {
        Err(Error::NoModelSupport)
    }

    pub fn identity(&self) -> &ModelIdentity {
        match *self {}
    }

    pub fn max_tokens(&self) -> usize {
        match *self {}
    }

    pub fn is_static(&self) -> bool {
        match *self {}
    }

    pub fn embed(&self, _texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        match *self {}
    }
}
