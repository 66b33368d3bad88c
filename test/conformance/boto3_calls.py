"""Calls the local cloud with boto3, as a Python user of the project would, and prints every answer as JSON.

Run by test/conformance/boto3.test.ts, which asserts AWS's documented answers. One process for
every call, since each Python start-up costs about a second. Reads its settings (endpoint, region,
the local administrator's keys, resource names) as one JSON object on stdin; prints one JSON object
{case: {"response": ...} | {"error": {"code", "message", "status"}}} on stdout.
"""

import json
import sys
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def outcome(call):
    """The call's answer without its ResponseMetadata, or the service's error as botocore parsed it."""
    try:
        response = call()
    except ClientError as error:
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return {"error": {"code": details.get("Code"), "message": details.get("Message"), "status": status}}
    response.pop("ResponseMetadata", None)
    return {"response": response}


def main():
    settings = json.load(sys.stdin)
    admin = {"aws_access_key_id": settings["accessKeyId"], "aws_secret_access_key": settings["secretAccessKey"]}
    # StartSyncExecution's `sync-` host prefix would not resolve on 127.0.0.1: boto3's setting for it.
    config = Config(inject_host_prefix=False, retries={"max_attempts": 1})

    def client(service, **credentials):
        return boto3.client(service, endpoint_url=settings["endpoint"], region_name=settings["region"], config=config, **(credentials or admin))

    answers = {}
    answers["sts.admin"] = outcome(lambda: client("sts").get_caller_identity())
    answers.update(issued_identity(client, settings))
    answers.update(state_machine_calls(client("stepfunctions"), settings))
    answers.update(user_pool_calls(client("cognito-idp"), settings))
    answers.update(user_session_calls(client("cognito-idp"), settings))
    answers["dynamodb.describe_table"] = outcome(lambda: client("dynamodb").describe_table(TableName=settings["tableName"]))
    answers["events.list_archives"] = outcome(lambda: client("events").list_archives())
    answers["lambda.list_functions"] = outcome(lambda: {"names": [entry["FunctionName"] for entry in client("lambda").get_paginator("list_functions").paginate().build_full_result()["Functions"]]})
    answers["lambda.get_function.unknown"] = outcome(lambda: client("lambda").get_function(FunctionName="NoSuchFunction"))
    answers["iam.list_roles"] = outcome(lambda: client("iam").list_roles())
    json.dump(answers, sys.stdout, default=str)


def issued_identity(client, settings):
    """The identity pool's developer flow (as the authorizer runs it), then STS with the issued session."""
    identity = client("cognito-identity")
    token = identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=settings["identityPoolId"],
        Logins={settings["developerProviderName"]: settings["userId"]},
        PrincipalTags=settings["principalTags"],
        TokenDuration=60,
    )
    issued = identity.get_credentials_for_identity(IdentityId=token["IdentityId"], Logins={settings["identityLogin"]: token["Token"]})["Credentials"]
    session = {"aws_access_key_id": issued["AccessKeyId"], "aws_secret_access_key": issued["SecretKey"], "aws_session_token": issued["SessionToken"]}
    return {
        "sts.issued": outcome(lambda: client("sts", **session).get_caller_identity()),
        "cognito_identity.get_open_id_token": outcome(lambda: identity.get_open_id_token(IdentityId=token["IdentityId"])),
    }


def state_machine_calls(sfn, settings):
    """A throwaway Express machine: created, updated, run synchronously, described, deleted."""
    definition = lambda result: json.dumps({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "Result": result, "End": True}}})
    name = "conformance-boto3-" + uuid.uuid4().hex[:8]
    arn = sfn.create_state_machine(name=name, type="EXPRESS", roleArn=settings["roleArn"], definition=definition({"version": 1}))["stateMachineArn"]
    try:
        return {
            "sfn.update_state_machine": outcome(lambda: sfn.update_state_machine(stateMachineArn=arn, definition=definition({"version": 2}))),
            "sfn.start_sync_execution": outcome(lambda: sfn.start_sync_execution(stateMachineArn=arn, input='{"from":"boto3"}')),
            "sfn.validate_state_machine_definition": outcome(lambda: sfn.validate_state_machine_definition(definition=definition("fine"))),
            "sfn.test_state": outcome(lambda: sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), roleArn=settings["roleArn"], input='{"n":1}')),
            "sfn.start_execution.twice_then_stop": idempotent_start(sfn, settings),
        }
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def idempotent_start(sfn, settings):
    """StartExecution twice with one name and input while the first runs (a Standard machine that waits), then StopExecution with an error and cause."""
    waiting = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 30, "End": True}}})
    arn = sfn.create_state_machine(name="conformance-wait-" + uuid.uuid4().hex[:8], roleArn=settings["roleArn"], definition=waiting)["stateMachineArn"]
    try:
        start = lambda: sfn.start_execution(stateMachineArn=arn, name="same-name", input='{"same":"input"}')
        first, second = outcome(start), outcome(start)
        if "error" in first:
            return {"response": {"first": first, "second": second}}
        execution = first["response"]["executionArn"]
        sfn.stop_execution(executionArn=execution, error="Conformance.Stopped", cause="stopped by the conformance tier")
        events = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=5)["events"]
        aborted = [event for event in events if event["type"] == "ExecutionAborted"]
        return {"response": {"first": first, "second": second, "aborted": aborted}}
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def user_pool_calls(cognito, settings):
    """Groups listed through boto3's paginator one group a page, and an unknown user confirmed."""
    pages = cognito.get_paginator("list_groups").paginate(UserPoolId=settings["userPoolId"], PaginationConfig={"PageSize": 1})
    return {
        "cognito_idp.list_groups.limit_60": outcome(lambda: cognito.list_groups(UserPoolId=settings["userPoolId"], Limit=60)),
        "cognito_idp.list_groups.page_sizes": outcome(lambda: {"sizes": [len(page["Groups"]) for page in pages]}),
        "cognito_idp.admin_confirm_sign_up.unknown": outcome(lambda: cognito.admin_confirm_sign_up(UserPoolId=settings["userPoolId"], Username="nobody-boto3@example.com")),
    }



def user_session_calls(cognito, settings):
    """A user's own session: signed in, a password change with a wrong previous password, signed out everywhere."""
    email = "conformance-session-" + uuid.uuid4().hex[:8] + "@example.com"
    password = "Passw0rd-conformance"
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    cognito.admin_create_user(UserPoolId=settings["userPoolId"], Username=email, UserAttributes=attributes, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=settings["userPoolId"], Username=email, Password=password, Permanent=True)
    signed_in = outcome(lambda: cognito.initiate_auth(ClientId=settings["userPoolClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}))
    access_token = signed_in.get("response", {}).get("AuthenticationResult", {}).get("AccessToken", "missing")
    answers = {
        "cognito_idp.initiate_auth": signed_in,
        "cognito_idp.change_password.wrong_previous": outcome(lambda: cognito.change_password(PreviousPassword="Wr0ng-previous", ProposedPassword="Passw0rd-next", AccessToken=access_token)),
        "cognito_idp.global_sign_out": outcome(lambda: cognito.global_sign_out(AccessToken=access_token)),
    }
    answers["cognito_idp.get_user.after_sign_out"] = outcome(lambda: cognito.get_user(AccessToken=access_token))
    return answers


if __name__ == "__main__":
    main()
