"""Calling models: the one gateway that lets only enabled models answer."""
