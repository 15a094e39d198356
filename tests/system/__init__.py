"""Tests that start processes and servers: aws mode over real HTTP against moto server, replicas on
one database, crashes at every point of a submission, concurrency, secrets kept out of logs."""
