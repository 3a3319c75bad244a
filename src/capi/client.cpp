// mongo_odm/client.h
#include "../core/bson_util.hpp"
#include "../core/uri_options.hpp"
#include "capi.hpp"

using mongo_odm::capi::client_of;
using mongo_odm::capi::guard;
using mongo_odm::core::require;

extern "C" {

mongo_odm_client_t *mongo_odm_client_new(const char *url, const char *username, const char *password,
                                         mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_client_t *>(nullptr), [&] {
    auto client = mongo_odm::core::Client::create(url, username, password);
    return new mongo_odm_client_t{std::move(client), false};
  });
}

void mongo_odm_client_destroy(mongo_odm_client_t *client) {
  // Borrowed handles (the default client, a collection's client) are not the caller's to free.
  if (!client || client->borrowed) return;
  delete client;
}

bool mongo_odm_client_ping(mongo_odm_client_t *client, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    client_of(client)->ping();
    return true;
  });
}

bool mongo_odm_client_command(mongo_odm_client_t *client, const char *db_name, const bson_t *command,
                              bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    auto impl = client_of(client);
    require(db_name, "db_name");
    require(command, "command");
    impl->command(db_name, command, reply);
    return true;
  });
}

const char *mongo_odm_client_default_database_name(const mongo_odm_client_t *client) {
  if (!client) return nullptr;
  auto impl = std::atomic_load(&client->impl);
  return impl ? impl->default_database() : nullptr;
}

bool mongo_odm_client_list_collection_names(mongo_odm_client_t *client, const char *db_name, const bson_t *filter,
                                            bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    auto impl = client_of(client);
    require(db_name, "db_name");
    mongo_odm::core::Bson names;
    impl->list_collection_names(db_name, filter, names.get());
    if (reply) bson_concat(reply, names.get());  // all or nothing
    return true;
  });
}

bool mongo_odm_client_drop_database(mongo_odm_client_t *client, const char *db_name, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    auto impl = client_of(client);
    require(db_name, "db_name");
    impl->drop_database(db_name);
    return true;
  });
}

bool mongo_odm_uri_option_is_known(const char *name) {
  return name != nullptr && mongo_odm::core::uri_option_is_known(name);
}

}  // extern "C"
