package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Sealer encrypts values at rest with AES-256-GCM. The key is derived from the
// server secret, so a copied database file alone reveals no header values or
// signing secrets.
type Sealer struct {
	aead cipher.AEAD
}

// MinSecretLen is the shortest server secret accepted, in bytes.
const MinSecretLen = 16

// NewSealer derives an encryption key from the server secret.
func NewSealer(serverSecret []byte) (*Sealer, error) {
	if len(serverSecret) < MinSecretLen {
		return nil, fmt.Errorf("server secret must be at least %d bytes", MinSecretLen)
	}
	key, err := hkdf.Key(sha256.New, serverSecret, nil, "loadhook at-rest encryption v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive encryption key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("create GCM: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain with a fresh random nonce; the nonce is prepended.
func (s *Sealer) Seal(plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, nil)
}

// Open decrypts what Seal produced.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return plain, nil
}
