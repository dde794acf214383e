"""Readers that turn operator files into chunks with locators."""
