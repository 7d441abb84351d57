"""The record encryption key the test suite uses (a fixed, throwaway Fernet key)."""

TEST_RECORD_KEY = "6qYqPpAnkcLlX5xJ0wKJ1yq2nZcW0VZcl4xvT7lq3f8="
