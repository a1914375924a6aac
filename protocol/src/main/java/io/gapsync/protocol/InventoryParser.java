package io.gapsync.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The streaming core of {@link InventoryReader}: walks the document token by token, treating it as
 * hostile, and hands each entry to a {@link Sink} as a raw digest, so that what is kept (objects or
 * packed longs) is the sink's choice. Everything the canonical writer would not produce is
 * rejected: other field orders, unknown fields, unsorted or duplicate entries, non-canonical
 * timestamps, trailing content.
 */
final class InventoryParser {

  /** The top-level fields, in the only order a canonical document has them. */
  static final List<String> FIELDS =
      List.of(
          "format",
          "formatVersion",
          "siteId",
          "createdAt",
          "watermarks",
          "tags",
          "manifests",
          "blobs");

  /** The document is three levels deep: root, tags or a list, a repository or an entry. */
  private static final JsonFactory FACTORY = Json.newStreamingFactory(3);

  private static final Pattern CREATED_AT =
      Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z");

  /** Distinct media types remembered, so that a million manifests share a few strings. */
  private static final int MAX_MEDIA_TYPES_CACHED = 256;

  /** Receives what the parser reads. */
  interface Sink {
    /**
     * Receives one entry, in ascending order; {@code words} is reused for the next entry.
     *
     * @param mediaType the media type of a manifest, null for a blob
     */
    void entry(DigestAlgorithm algorithm, long[] words, long size, String mediaType);

    /** Learns that every manifest has been received; blobs follow. */
    void manifestsDone();

    /** Returns true if a manifest of this digest was received; called after manifestsDone. */
    boolean hasManifest(Digest digest);
  }

  private final JsonParser p;
  private final String what;
  private final long maxEntries;
  private final Map<String, String> mediaTypes = new HashMap<>();
  private final long[] words = new long[8];
  private final long[] previousWords = new long[8];
  private int previousRank;
  private long entries;
  private String section;
  private int index;

  private InventoryParser(JsonParser p, String what, long maxEntries) {
    this.p = p;
    this.what = what;
    this.maxEntries = maxEntries;
  }

  /**
   * Parses a document.
   *
   * @param in the stream; not closed
   * @param what the source, for messages
   * @param maxEntries the most entries (tags, watermarks, manifests and blobs) accepted
   * @param sink receives the header and the entries
   * @return the header
   * @throws ProtocolException with {@code INVENTORY_INVALID}
   * @throws IOException if reading the stream fails
   */
  static InventoryHeader parse(InputStream in, String what, long maxEntries, Sink sink)
      throws IOException {
    try (JsonParser p = FACTORY.createParser(in)) {
      InventoryParser parser = new InventoryParser(p, what, maxEntries);
      try {
        return parser.document(sink);
      } catch (StreamConstraintsException e) {
        throw parser.invalid("it exceeds a JSON limit: " + e.getOriginalMessage());
      } catch (JsonProcessingException e) {
        // Jackson raises JsonEOFException for some truncations and a plain JsonParseException
        // with this message for others (end of input between entries).
        if (e instanceof JsonEOFException
            || String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input")) {
          throw parser.invalid("it is truncated: the document ends before it is complete");
        }
        throw parser.invalid("it is not valid JSON: " + e.getOriginalMessage());
      }
    }
  }

  private InventoryHeader document(Sink sink) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw invalid("it is empty");
    }
    if (t != JsonToken.START_OBJECT) {
      throw invalid("it is not a gapsync inventory: it does not start with a JSON object");
    }
    field(0);
    String format = string("format");
    if (!Inventory.FORMAT.equals(format)) {
      throw invalid(
          "it is not a gapsync inventory: 'format' is '"
              + abbreviate(format)
              + "', expected '"
              + Inventory.FORMAT
              + "'");
    }
    field(1);
    InventoryHeader.checkVersion(intValue("formatVersion"), "read inventory " + what);
    field(2);
    String siteId = string("siteId");
    if (!InventoryHeader.isSiteId(siteId)) {
      throw invalid(
          "its site id '"
              + abbreviate(siteId)
              + "' does not match "
              + InventoryHeader.SITE_ID_GRAMMAR);
    }
    field(3);
    Instant createdAt = createdAt(string("createdAt"));
    field(4);
    SortedMap<String, Long> watermarks = watermarks();
    field(5);
    SortedMap<String, SortedMap<String, Digest>> tags = tags();
    InventoryHeader header =
        new InventoryHeader(Inventory.FORMAT_VERSION, siteId, createdAt, tags, watermarks);
    field(6);
    entries("manifests", true, sink);
    sink.manifestsDone();
    for (Map.Entry<String, SortedMap<String, Digest>> repo : tags.entrySet()) {
      for (Map.Entry<String, Digest> tag : repo.getValue().entrySet()) {
        if (!sink.hasManifest(tag.getValue())) {
          throw invalid(
              "tag "
                  + repo.getKey()
                  + ":"
                  + tag.getKey()
                  + " points at manifest "
                  + tag.getValue()
                  + ", which 'manifests' does not list");
        }
      }
    }
    field(7);
    entries("blobs", false, sink);
    if (p.nextToken() == JsonToken.FIELD_NAME) {
      throw unexpectedField(p.currentName(), FIELDS.size());
    }
    if (p.nextToken() != null) {
      throw invalid("there is content after the document's closing brace");
    }
    return header;
  }

  /** Moves to the next top-level field, which must be the {@code index}th canonical one. */
  private void field(int index) throws IOException {
    if (p.nextToken() == JsonToken.END_OBJECT) {
      throw invalid("field '" + FIELDS.get(index) + "' is missing");
    }
    String name = p.currentName();
    if (!FIELDS.get(index).equals(name)) {
      if (index == 0) {
        throw invalid(
            "it is not a gapsync inventory: its first field is '"
                + abbreviate(name)
                + "', not 'format'");
      }
      throw unexpectedField(name, index);
    }
  }

  private ProtocolException unexpectedField(String name, int index) {
    if (!FIELDS.contains(name)) {
      return invalid("it has an unknown top-level field '" + abbreviate(name) + "'");
    }
    return invalid(
        "field '"
            + name
            + "' is out of order"
            + (index < FIELDS.size() ? ": expected '" + FIELDS.get(index) + "'" : "")
            + " (fields go in the order "
            + String.join(", ", FIELDS)
            + ")");
  }

  private SortedMap<String, Long> watermarks() throws IOException {
    expect(JsonToken.START_OBJECT, "'watermarks' must be an object");
    TreeMap<String, Long> out = new TreeMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String producer = p.currentName();
      if (!InventoryHeader.isSiteId(producer)) {
        throw invalid(
            "watermark producer '"
                + abbreviate(producer)
                + "' does not match "
                + InventoryHeader.SITE_ID_GRAMMAR);
      }
      checkKeyOrder(out.isEmpty() ? null : out.lastKey(), producer, "'watermarks'");
      countEntry();
      out.put(producer, nonNegativeLong("the watermark of producer '" + producer + "'"));
    }
    return out;
  }

  private SortedMap<String, SortedMap<String, Digest>> tags() throws IOException {
    expect(JsonToken.START_OBJECT, "'tags' must be an object");
    TreeMap<String, SortedMap<String, Digest>> out = new TreeMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String repo = p.currentName();
      if (!Reference.isRepository(repo)) {
        throw invalid(
            "'tags' names repository '"
                + abbreviate(repo)
                + "', which does not match "
                + Reference.REPOSITORY_GRAMMAR);
      }
      checkKeyOrder(out.isEmpty() ? null : out.lastKey(), repo, "'tags'");
      expect(JsonToken.START_OBJECT, "the tags of repository '" + repo + "' must be an object");
      TreeMap<String, Digest> repoTags = new TreeMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String tag = p.currentName();
        if (!Reference.isTag(tag)) {
          throw invalid(
              "tag '" + repo + ":" + abbreviate(tag) + "' does not match " + Reference.TAG_GRAMMAR);
        }
        checkKeyOrder(
            repoTags.isEmpty() ? null : repoTags.lastKey(), tag, "the tags of '" + repo + "'");
        countEntry();
        String text = string("tag " + repo + ":" + tag);
        try {
          repoTags.put(tag, Digest.parse(text));
        } catch (ProtocolException e) {
          throw invalid("tag " + repo + ":" + tag + " has an invalid digest: " + e.getMessage());
        }
      }
      if (repoTags.isEmpty()) {
        throw invalid("repository '" + repo + "' in 'tags' has no tags");
      }
      out.put(repo, repoTags);
    }
    return out;
  }

  private void entries(String section, boolean typed, Sink sink) throws IOException {
    expect(JsonToken.START_ARRAY, "'" + section + "' must be an array");
    this.section = section;
    previousRank = -1;
    index = 0;
    // The hot loop of a million-entry document: messages are built only when something is wrong.
    while (p.nextToken() != JsonToken.END_ARRAY) {
      index++;
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw invalid(entry() + " is not an object");
      }
      countEntry();
      entryField("digest", typed);
      if (p.nextToken() != JsonToken.VALUE_STRING) {
        throw invalid(entry() + ": 'digest' must be a string");
      }
      DigestAlgorithm algorithm =
          RawDigests.decode(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), words);
      if (algorithm == null) {
        throw invalidDigest(p.getText());
      }
      checkEntryOrder(algorithm);
      entryField("size", typed);
      long size = entrySize();
      String mediaType = null;
      if (typed) {
        entryField("mediaType", typed);
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          throw invalid(entry() + ": 'mediaType' must be a string");
        }
        mediaType = mediaType(p.getText());
      }
      if (p.nextToken() != JsonToken.END_OBJECT) {
        throw invalid(entry() + " has an unexpected field '" + abbreviate(p.currentName()) + "'");
      }
      sink.entry(algorithm, words, size, mediaType);
    }
  }

  /** Describes the entry being read, e.g. "entry 17 of 'blobs'". */
  private String entry() {
    return "entry " + index + " of '" + section + "'";
  }

  private void entryField(String name, boolean typed) throws IOException {
    JsonToken t = p.nextToken();
    if (t != JsonToken.FIELD_NAME || !name.equals(p.currentName())) {
      throw invalid(
          entry()
              + " has "
              + (t == JsonToken.FIELD_NAME
                  ? "field '" + abbreviate(p.currentName()) + "'"
                  : "no more fields")
              + " where '"
              + name
              + "' was expected (entries are {\"digest\","
              + " \"size\""
              + (typed ? ", \"mediaType\"" : "")
              + "} in that order)");
    }
  }

  private long entrySize() throws IOException {
    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
      throw invalid(entry() + ": 'size' must be a non-negative integer");
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw invalid(entry() + ": 'size' " + abbreviate(p.getText()) + " is out of range");
    }
    long size = p.getLongValue();
    if (size < 0) {
      throw invalid(entry() + ": 'size' " + size + " is negative");
    }
    if (size > InventoryEntry.MAX_SIZE) {
      throw invalid(entry() + ": 'size' " + size + " is over " + InventoryEntry.MAX_SIZE);
    }
    return size;
  }

  private void checkEntryOrder(DigestAlgorithm algorithm) {
    int rank = RawDigests.rank(algorithm);
    int width = RawDigests.width(algorithm);
    if (previousRank >= 0) {
      int c =
          rank != previousRank
              ? Integer.compare(rank, previousRank)
              : RawDigests.compareWords(words, 0, previousWords, 0, width);
      if (c <= 0) {
        Digest current = RawDigests.toDigest(algorithm, words, 0);
        Digest previous = RawDigests.toDigest(RawDigests.ORDER[previousRank], previousWords, 0);
        throw invalid(
            entry()
                + " ("
                + current
                + ") is "
                + (c == 0 ? "a duplicate of" : "not sorted after")
                + " "
                + previous
                + ": the file is not a canonical gapsync inventory");
      }
    }
    System.arraycopy(words, 0, previousWords, 0, width);
    previousRank = rank;
  }

  private ProtocolException invalidDigest(String text) {
    try {
      Digest.parse(text);
      return invalid(entry() + " has an invalid digest '" + abbreviate(text) + "'");
    } catch (ProtocolException e) {
      return invalid(entry() + " has an invalid digest: " + e.getMessage());
    }
  }

  private String mediaType(String text) {
    String known = mediaTypes.get(text);
    if (known != null) {
      return known;
    }
    if (!InventoryEntry.isMediaType(text)) {
      throw invalid(
          entry()
              + " has an invalid media type '"
              + abbreviate(text)
              + "': expected type/subtype as RFC 6838 restricts them");
    }
    if (mediaTypes.size() < MAX_MEDIA_TYPES_CACHED) {
      mediaTypes.put(text, text);
    }
    return text;
  }

  private Instant createdAt(String text) {
    if (CREATED_AT.matcher(text).matches()) {
      try {
        Instant instant = Instant.parse(text);
        if (!instant.isBefore(Instant.EPOCH)) {
          return instant;
        }
      } catch (DateTimeException e) {
        // Reported below, like any other non-canonical time.
      }
    }
    throw invalid(
        "'createdAt' is '"
            + abbreviate(text)
            + "', not a UTC time from 1970 on written"
            + " yyyy-MM-ddTHH:mm:ssZ");
  }

  private void checkKeyOrder(String previous, String key, String where) {
    if (previous != null && previous.compareTo(key) >= 0) {
      throw invalid(
          "key '"
              + key
              + "' in "
              + where
              + " is not sorted after '"
              + previous
              + "': the file is not a canonical gapsync inventory");
    }
  }

  private void countEntry() {
    if (++entries > maxEntries) {
      throw invalid(
          "it has more than "
              + maxEntries
              + " entries, the limit this reader was configured"
              + " with");
    }
  }

  private String string(String what) throws IOException {
    expect(JsonToken.VALUE_STRING, what + " must be a string");
    return p.getText();
  }

  private int intValue(String what) throws IOException {
    expect(JsonToken.VALUE_NUMBER_INT, what + " must be an integer");
    if (p.getNumberType() != JsonParser.NumberType.INT) {
      throw invalid(what + " " + p.getText() + " is out of range");
    }
    return p.getIntValue();
  }

  private long nonNegativeLong(String what) throws IOException {
    expect(JsonToken.VALUE_NUMBER_INT, what + " must be a non-negative integer");
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw invalid(what + " " + abbreviate(p.getText()) + " is out of range");
    }
    long value = p.getLongValue();
    if (value < 0) {
      throw invalid(what + " " + value + " is negative");
    }
    return value;
  }

  private void expect(JsonToken token, String message) throws IOException {
    if (p.nextToken() != token) {
      throw invalid(message);
    }
  }

  private ProtocolException invalid(String why) {
    return new ProtocolException(
        ProtocolException.Code.INVENTORY_INVALID,
        "Tried to read inventory "
            + what
            + " but failed because "
            + why
            + " (line "
            + p.currentTokenLocation().getLineNr()
            + ")");
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
