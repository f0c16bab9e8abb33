"""Every file and folder the tool writes goes through this package (see `files` and `swap`)."""

from .files import (FILE_MODE, OutputError, fsync_folder, prepare_folder, reason, refuse_unsafe_file,
                    refuse_unsafe_folder, write_all, write_file)

__all__ = ["OutputError", "FILE_MODE", "refuse_unsafe_file", "refuse_unsafe_folder", "prepare_folder",
           "write_file", "write_all", "fsync_folder", "reason"]
