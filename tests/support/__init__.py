"""What the tests share: the fakes and the composition root over them (World), factories, servers
started for real, the AWS front for what moto lacks, and the pytest plugin with the fixtures."""
