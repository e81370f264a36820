//! awsassoc-sim: (in progress)
