# Copy to instance/config.py and adjust. Environment variables AUDIT_APP_<KEY> win over this file.
# ENV = "production"
# SECRET_KEY = "a long random string"
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://audit:secret@127.0.0.1:5432/audit"
# BASE_URL = "https://audit.example.org"
# STORAGE_BACKEND = "database"   # files in the database: needed for two or more app servers
# MAX_CONTENT_LENGTH = 20 * 1024 * 1024
