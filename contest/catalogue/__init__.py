"""The print-on-demand catalogue: product blanks and mockups of winning designs."""
