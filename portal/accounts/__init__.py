"""Citizens and staff: registration, sign-in, sessions, second factor, password reset."""
