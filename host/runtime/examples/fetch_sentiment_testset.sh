#!/bin/sh
# Fetches the labelled sentences the sentiment accuracy is measured on: the npm
# package wink-sentiment@5.0.2 ships test/data/amazon_cells_labelled.txt (1,000
# Amazon phone reviews, half labelled 1 = positive, half 0 = negative; from the
# UCI "Sentiment Labelled Sentences" set). Prints the file's path.
# Needs npm. Usage: host/runtime/examples/fetch_sentiment_testset.sh [DIR]
set -eu
dir="${1:-$(mktemp -d)}"
mkdir -p "$dir"
cd "$dir"
tarball=$(npm pack wink-sentiment@5.0.2 --silent)
tar -xzf "$tarball" package/test/data/amazon_cells_labelled.txt
echo "$dir/package/test/data/amazon_cells_labelled.txt"
