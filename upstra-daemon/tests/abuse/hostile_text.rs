//! Control characters from users, lab files and peers reach every screen and log escaped.
