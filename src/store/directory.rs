//! The directory quire opens indexes through: tantivy's memory-mapped
//! directory, except that an index on a read-only file system (a mounted
//! image, a folder another user owns) can still be read.
//!
//! tantivy takes a lock file (`.tantivy-meta.lock`) while it opens a
//! commit's segments, so that a writer's garbage collection in another
//! process cannot delete them under it; the lock file is opened for
//! writing, which a read-only folder refuses, and every search failed.
//! Where the folder cannot be written, no writer can collect anything
//! either: the read lock is then not needed, and this directory grants it
//! without a file. Every other call, and the writer's lock, go to tantivy's
//! directory as they are.

use std::io;
use std::path::Path;
use std::sync::Arc;

use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, META_LOCK, MmapDirectory, WatchCallback,
    WatchHandle, WritePtr,
};

/// tantivy's [`MmapDirectory`], readable when it cannot be written.
#[derive(Clone, Debug)]
pub(crate) struct QuireDirectory {
    inner: MmapDirectory,
}

impl QuireDirectory {
    pub(crate) fn open(dir: &Path) -> Result<QuireDirectory, OpenDirectoryError> {
        Ok(QuireDirectory {
            inner: MmapDirectory::open(dir)?,
        })
    }
}

/// Whether an I/O error says the folder cannot be written.
pub(crate) fn is_read_only(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied
    )
}

impl Directory for QuireDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.inner.acquire_lock(lock) {
            Err(LockError::IoError(err))
                if lock.filepath == META_LOCK.filepath && is_read_only(&err) =>
            {
                Ok(DirectoryLock::from(Box::new(())))
            }
            other => other,
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
