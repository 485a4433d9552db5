//! Work in flight, descriptors and idle connections: pipelined logins and requests, idle and slow clients.
