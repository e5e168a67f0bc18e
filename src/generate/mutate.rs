//! Invalid streams: one mutation of a valid stream, with the upstream error it must produce.
